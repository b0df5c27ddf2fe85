package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// Working on a group of rows at once.
//
// The delivery engine opens the attempts of many publications in one
// transaction, and records their outcomes in another
// (internal/delivery/batch.go). Done row by row, that is a dozen statements
// per publication: on PostgreSQL each a round trip made while the group
// waits, on SQLite each a statement parsed and stepped. A transaction made
// with Grouped does it in a few statements per group instead, and no
// statement sees anything different:
//
//   - Reads ahead. LockPublications locks and reads the group's
//     publications in one statement, ReadAhead their stories, accounts,
//     variants and approval policies one statement per kind, ReadAheadRates
//     the counts of their rate limits; PublicationForUpdate, Story,
//     AccountByID, Variant, ApprovalPolicy and RateStatuses then answer
//     from what was read. A locked publication is answered once (its row
//     is then the caller's to change, and read again if asked again); rate
//     counts follow the transaction's own RecordRate; everything read ahead
//     is forgotten at the transaction's first other write, so no answer
//     predates a change the transaction made.
//   - Held-back writes. SavePublication, OpenAttempt, FinishAttempt and
//     RecordRate queue their rows. Any other statement the transaction
//     runs through Q, and its commit, first sends each queue as one
//     statement, in a fixed order (rate events, new attempts, finished
//     attempts, publications), so every statement sees the transaction's
//     own writes as before. What changes is when a held-back write's
//     error is known: at the statement that sends it, which fails the
//     transaction (InTx then returns that error and rolls back). So a
//     held-back write's caller must need nothing from it but its
//     eventual success: these four are written for that (SavePublication's
//     caller holds the row, so it exists).
//
// River's statements run on the same transaction (Tx.SQL) without sending
// the queues first; none of them reads the tables held back.

// group is what a grouped transaction read ahead and holds back.
type group struct {
	pubs     map[string]*ferry.Publication // locked, answered once
	stories  map[string]*ferry.Story       // by workspace and id; nil: not found
	accounts map[string]*ferry.Account
	variants map[[2]string]*ferry.Variant       // by story and account
	policies map[string][]*ferry.ApprovalPolicy // by workspace
	rates    map[string]cachedRate              // by limit key

	// Rows held back; a row saved twice is written once, as last saved.
	rateEvents, newAttempts, finishedAttempts, savedPublications [][]any
	// err is the first error of a held-back write, kept until InTx sees it
	// (a read that sent the queues can report it only through its rows).
	err error
}

type cachedRate struct {
	since  time.Time
	status RateStatus
}

// Grouped makes tx read ahead and hold back writes as described above.
func (tx *Tx) Grouped() { tx.group = &group{} }

// forget drops everything read ahead.
func (g *group) forget() {
	g.pubs, g.stories, g.accounts, g.variants, g.policies, g.rates = nil, nil, nil, nil, nil, nil
}

// isWrite reports whether a statement changes rows.
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\n")
	for _, w := range []string{"INSERT", "UPDATE", "DELETE"} {
		if len(q) >= len(w) && strings.EqualFold(q[:len(w)], w) {
			return true
		}
	}
	return false
}

// beforeStatement runs before any statement of a grouped transaction: it
// sends the held-back writes, and forgets what was read ahead if the
// statement writes.
func (q *Q) beforeStatement(ctx context.Context, query string) error {
	g := q.tx.group
	if isWrite(query) {
		g.forget()
	}
	return q.tx.sendHeldBack(ctx)
}

// sendHeldBack sends every queue of held-back writes, each as one
// statement (or a few, for many rows).
func (tx *Tx) sendHeldBack(ctx context.Context) error {
	g := tx.group
	if g == nil {
		return nil
	}
	if g.err != nil {
		return g.err
	}
	err := tx.insertMany(ctx, "rate_events", rateEventColumns, g.rateEvents)
	if err == nil {
		err = tx.insertMany(ctx, "attempts", attemptOpenColumns, g.newAttempts)
	}
	if err == nil {
		err = tx.updateMany(ctx, "attempts", attemptFinishColumns, lastByKey(g.finishedAttempts))
	}
	if err == nil {
		err = tx.updateMany(ctx, "publications", publicationSaveColumns, lastByKey(g.savedPublications))
	}
	g.rateEvents, g.newAttempts, g.finishedAttempts, g.savedPublications = nil, nil, nil, nil
	if err != nil {
		g.err = err
	}
	return err
}

// lastByKey keeps, of rows with the same first value, the last.
func lastByKey(rows [][]any) [][]any {
	seen := make(map[any]int, len(rows))
	var out [][]any
	for _, r := range rows {
		if i, ok := seen[r[0]]; ok {
			out[i] = r
			continue
		}
		seen[r[0]] = len(out)
		out = append(out, r)
	}
	return out
}

// column is a column written many rows at a time: its name and its
// PostgreSQL type.
type column struct{ name, pgType string }

var variantKeyColumns = []column{{"story_id", "text"}, {"account_id", "text"}}

var rateEventColumns = []column{{"limit_key", "text"}, {"at", "bigint"}, {"publication_id", "text"}}

var attemptOpenColumns = []column{{"id", "text"}, {"publication_id", "text"}, {"number", "bigint"}, {"version", "bigint"}, {"started_at", "bigint"}, {"fingerprint", "text"}}

var attemptFinishColumns = []column{{"id", "text"}, {"finished_at", "bigint"}, {"outcome", "text"}, {"error_code", "text"}, {"error_message", "text"}, {"remote_id", "text"}}

var publicationSaveColumns = []column{{"id", "text"}, {"state", "text"}, {"reason", "text"}, {"reason_code", "text"}, {"reason_args", "text"},
	{"version", "bigint"}, {"scheduled_at", "bigint"}, {"next_attempt_at", "bigint"}, {"published_at", "bigint"}, {"remote_id", "text"},
	{"remote_ids", "text"}, {"remote_url", "text"}, {"error_code", "text"}, {"error_message", "text"}, {"attempts", "bigint"}, {"updated_at", "bigint"}}

// maxParams bounds the parameters of one SQLite statement, well under its
// limit.
const maxParams = 4000

// On PostgreSQL the many rows of a statement are passed as one array per
// column (unnest), so its text is the same whatever their number and it
// is prepared once per connection; on SQLite, where preparing is no round
// trip, they are a VALUES list.

// pgArrays turns rows into one array per column, typed as the column.
func pgArrays(cols []column, rows [][]any) []any {
	out := make([]any, len(cols))
	for j, c := range cols {
		switch c.pgType {
		case "bigint":
			a := make([]*int64, len(rows))
			for i, r := range rows {
				switch v := r[j].(type) {
				case int64:
					a[i] = &v
				case int:
					n := int64(v)
					a[i] = &n
				case nil:
				default:
					panic(fmt.Sprintf("store: %s is %T, not an integer", c.name, v))
				}
			}
			out[j] = a
		default:
			a := make([]string, len(rows))
			for i, r := range rows {
				a[i] = reflect.ValueOf(r[j]).String()
			}
			out[j] = a
		}
	}
	return out
}

// unnest is `unnest(?::type[], …)` for the columns.
func unnest(cols []column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "?::" + c.pgType + "[]"
	}
	return "unnest(" + strings.Join(parts, ", ") + ")"
}

func names(cols []column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.name
	}
	return strings.Join(n, ", ")
}

// insertMany inserts rows in one statement (on SQLite, as few as its
// limit on parameters allows).
func (tx *Tx) insertMany(ctx context.Context, table string, cols []column, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.dialect == Postgres {
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT * FROM %s", table, names(cols), unnest(cols))
		if _, err := tx.ex.ExecContext(ctx, tx.rebind(q), pgArrays(cols, rows)...); err != nil {
			return fmt.Errorf("store: insert %s: %w", table, err)
		}
		return nil
	}
	for len(rows) > 0 {
		n := min(len(rows), maxParams/len(cols))
		values, args := valuesList(rows[:n])
		if _, err := tx.ex.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, names(cols), values), args...); err != nil {
			return fmt.Errorf("store: insert %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// updateMany sets columns of many rows, found by their first column (the
// key), in one statement (on SQLite, as few as its limit allows). Every
// row must exist.
func (tx *Tx) updateMany(ctx context.Context, table string, cols []column, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	var set strings.Builder
	for i, c := range cols[1:] {
		if i > 0 {
			set.WriteString(", ")
		}
		if tx.dialect == Postgres {
			fmt.Fprintf(&set, "%s = v.%s", c.name, c.name)
		} else {
			fmt.Fprintf(&set, "%s = v.column%d", c.name, i+2)
		}
	}
	check := func(res sql.Result, n int) error {
		if got, _ := res.RowsAffected(); got != int64(n) {
			return ferry.Errorf(ferry.ENOTFOUND, "%d of %d %s to update were not found.", int64(n)-got, n, table)
		}
		return nil
	}
	if tx.dialect == Postgres {
		q := fmt.Sprintf("UPDATE %s SET %s FROM %s AS v (%s) WHERE %s.%s = v.%s", table, set.String(), unnest(cols), names(cols), table, cols[0].name, cols[0].name)
		res, err := tx.ex.ExecContext(ctx, tx.rebind(q), pgArrays(cols, rows)...)
		if err != nil {
			return fmt.Errorf("store: update %s: %w", table, err)
		}
		return check(res, len(rows))
	}
	for len(rows) > 0 {
		n := min(len(rows), maxParams/len(cols))
		values, args := valuesList(rows[:n])
		q := fmt.Sprintf("UPDATE %s SET %s FROM (VALUES %s) AS v WHERE %s.%s = v.column1", table, set.String(), values, table, cols[0].name)
		res, err := tx.ex.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: update %s: %w", table, err)
		}
		if err := check(res, n); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// valuesList is the rows of a VALUES list, `(?, ?), (?, ?)`, and their
// arguments.
func valuesList(rows [][]any) (string, []any) {
	row := "(?" + strings.Repeat(", ?", len(rows[0])-1) + ")"
	args := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		args = append(args, r...)
	}
	return row + strings.Repeat(", "+row, len(rows)-1), args
}

// inList is a condition that col is one of ids, and its arguments: one
// array on PostgreSQL (one statement text for any number), a list on
// SQLite.
func (q *Q) inList(col string, ids []string) (string, []any) {
	if q.dialect == Postgres {
		return col + " = ANY(?::text[])", []any{ids}
	}
	return col + " IN (?" + repeat(", ?", len(ids)-1) + ")", anys(ids)
}

// LockPublications locks the publications with these ids that exist, in
// id order (the order every group locks in), and reads them; each is then
// PublicationForUpdate's answer once.
func (tx *Tx) LockPublications(ctx context.Context, ids []string) ([]*ferry.Publication, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := tx.inList("id", ids)
	rows, err := tx.query(ctx, `SELECT `+publicationColumns+` FROM publications WHERE `+in+` ORDER BY id`+tx.forUpdate(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: lock publications: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: lock publications: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if g := tx.group; g != nil {
		g.pubs = make(map[string]*ferry.Publication, len(out))
		for _, p := range out {
			cp := *p
			g.pubs[p.ID] = &cp
		}
	}
	return out, nil
}

// ReadAhead reads, for these publications, their stories, accounts,
// variants and their workspaces' approval policies: one statement per
// kind.
func (tx *Tx) ReadAhead(ctx context.Context, pubs []*ferry.Publication) error {
	g := tx.group
	if g == nil || len(pubs) == 0 {
		return nil
	}
	var storyIDs, accountIDs, workspaceIDs []string
	var pairs [][]any // story, account
	for _, p := range pubs {
		storyIDs = append(storyIDs, p.StoryID)
		accountIDs = append(accountIDs, p.AccountID)
		workspaceIDs = append(workspaceIDs, p.WorkspaceID)
		pairs = append(pairs, []any{p.StoryID, p.AccountID})
	}
	storyIDs, accountIDs, workspaceIDs = uniq(storyIDs), uniq(accountIDs), uniq(workspaceIDs)

	stories := map[string]*ferry.Story{} // nil: asked for, not found
	for _, p := range pubs {
		stories[p.WorkspaceID+"/"+p.StoryID] = nil
	}
	in, args := tx.inList("id", storyIDs)
	err := tx.each(ctx, `SELECT `+storyColumns+` FROM stories WHERE `+in+` AND deleted_at IS NULL`, args, func(r *sql.Rows) error {
		s, err := scanStory(r)
		if err != nil {
			return err
		}
		if _, asked := stories[s.WorkspaceID+"/"+s.ID]; asked {
			stories[s.WorkspaceID+"/"+s.ID] = s
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: read stories ahead: %w", err)
	}
	accounts := map[string]*ferry.Account{}
	in, args = tx.inList("id", accountIDs)
	err = tx.each(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+in, args, func(r *sql.Rows) error {
		a, err := tx.scanAccount(r)
		if err == nil {
			accounts[a.ID] = a
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: read accounts ahead: %w", err)
	}
	variants := map[[2]string]*ferry.Variant{}
	var pairsIn string
	if tx.dialect == Postgres {
		pairsIn, args = "(SELECT * FROM "+unnest(variantKeyColumns)+")", pgArrays(variantKeyColumns, pairs)
	} else {
		pairsIn, args = valuesList(pairs)
		pairsIn = "(VALUES " + pairsIn + ")"
	}
	err = tx.each(ctx, `SELECT `+variantColumns+` FROM variants WHERE (story_id, account_id) IN `+pairsIn, args, func(r *sql.Rows) error {
		v, err := scanVariant(r)
		if err == nil {
			variants[[2]string{v.StoryID, v.AccountID}] = v
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: read variants ahead: %w", err)
	}
	policies := map[string][]*ferry.ApprovalPolicy{}
	for _, ws := range workspaceIDs {
		list, err := tx.ApprovalPolicies(ctx, ws)
		if err != nil {
			return err
		}
		policies[ws] = list
	}
	// Kept once all is read, so that a failure leaves nothing half read.
	g.stories, g.accounts, g.variants, g.policies = stories, accounts, variants, policies
	return nil
}

// ReadAheadRates reads RateStatuses for many keys at once; a later
// RateStatuses whose keys are all among them, each counted from no later
// than asked, is answered from it (counting from earlier counts more posts,
// never fewer, so a limit is never overstepped for it).
func (tx *Tx) ReadAheadRates(ctx context.Context, since map[string]time.Time) error {
	g := tx.group
	if g == nil || len(since) == 0 {
		return nil
	}
	st, err := tx.RateStatuses(ctx, since)
	if err != nil {
		return err
	}
	if g.rates == nil {
		g.rates = make(map[string]cachedRate, len(since))
	}
	for k, s := range since {
		g.rates[k] = cachedRate{since: s, status: st[k]}
	}
	return nil
}

// each runs a query and calls fn for each row.
func (q *Q) each(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// grouped returns the transaction's group, if it is grouped.
func (q *Q) grouped() *group {
	if q.tx == nil {
		return nil
	}
	return q.tx.group
}
