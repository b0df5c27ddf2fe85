package backup

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// libpqParams are the URL parameters libpq (pg_dump, pg_restore) knows;
// Ferry's driver (pgx) passes any other one to the server as a run-time
// setting, which libpq takes as -c key=value in options.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true, "passfile": true,
	"connect_timeout": true, "client_encoding": true, "options": true, "application_name": true,
	"fallback_application_name": true, "keepalives": true, "keepalives_idle": true, "keepalives_interval": true,
	"keepalives_count": true, "tcp_user_timeout": true, "sslmode": true, "sslcompression": true, "sslcert": true,
	"sslkey": true, "sslpassword": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true,
	"requirepeer": true, "ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "gssencmode": true,
	"krbsrvname": true, "gsslib": true, "service": true, "target_session_attrs": true, "channel_binding": true,
}

// pgCommand turns Ferry's database URL into what pg_dump and pg_restore
// take: a libpq URL without the password (it goes in PGPASSWORD, so that it
// never shows in the process list), the environment, and the schema when
// the URL sets search_path (pg_dump then dumps that schema only).
func pgCommand(dsn string) (conn string, env []string, schema string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, "", fmt.Errorf("the database URL is not valid: %w", err)
	}
	env = os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	var options []string
	if o := q.Get("options"); o != "" {
		options = append(options, o)
	}
	for k, vs := range q {
		if libpqParams[k] || len(vs) == 0 {
			continue
		}
		if k == "search_path" {
			schema = strings.TrimSpace(strings.Split(vs[0], ",")[0])
		}
		options = append(options, "-c "+k+"="+vs[0])
		q.Del(k)
	}
	if len(options) > 0 {
		q.Set("options", strings.Join(options, " "))
	}
	// libpq decodes %20, not +, as a space.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String(), env, schema, nil
}
