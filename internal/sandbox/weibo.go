package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-social/ferry"
)

// weiboAPI emulates Sina Weibo's Open API v2 (https://open.weibo.com/wiki/API)
// as an ordinary app sees it: statuses/share with its rules, the account's
// timeline, counts, deletion, users/show, and OAuth2 (authorize,
// access_token, get_token_info). Errors use Weibo's envelope
// {"request", "error_code", "error"} and its codes.
//
// Statuses live in the sandbox's record of posts, so resetting the record
// empties the timelines too.
type weiboAPI struct {
	s *Sandbox
	// idBase puts status ids above 2^53, where float64 loses digits, as
	// real ids soon will: clients must read them as strings.
	idBase int64

	// mu guards the fields below and also serialises share's check for
	// repeated text with the recording of the post.
	mu         sync.Mutex
	safeDomain string
	tokenTTL   time.Duration
	codes      map[string]wbGrant
	tokens     map[string]wbToken
}

// wbGrant is an authorisation code waiting to be exchanged.
type wbGrant struct {
	uid, clientID, redirectURI string
	expires                    time.Time
}

// wbToken is an access token the sandbox knows.
type wbToken struct {
	uid, appKey      string
	created, expires time.Time
}

// Weibo's rules for an ordinary app (PLATFORMS.md, open.weibo.com/wiki).
const (
	wbTextMax       = 140
	wbURLBytes      = 20  // a link counts as 20 bytes, Weibo's t.cn length
	wbURLMaxBytes   = 140 // beyond this a link counts its excess too
	wbSinaURLMax    = 41  // Sina's own links up to this length count as they are
	wbPicMaxBytes   = 5 << 20
	wbMaxBody       = 10 << 20
	wbPostsPerHour  = 30
	wbTimelineMax   = 100
	wbCountMax      = 100
	wbCodeTTL       = 10 * time.Minute
	wbDefaultDomain = "ferry.example"
	wbDefaultTTL    = 7 * 24 * time.Hour // an audited app's tokens
	// wbRepeatWindow is how long a text cannot be posted again by the same
	// user. Weibo does not publish it; a day is a cautious guess.
	wbRepeatWindow = 24 * time.Hour
	// wbDemoTokenLife is what get_token_info reports for demo tokens: the
	// value in Weibo's own documentation sample, about five years.
	wbDemoTokenLife = 157679471 * time.Second
	wbDemoPrefix    = "sandbox-weibo-"
	wbScreenPrefix  = "沙盒用户"
)

var (
	wbUIDRE   = regexp.MustCompile(`^[1-9][0-9]{4,15}$`)
	wbURLRE   = regexp.MustCompile(`https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+`)
	wbTopicRE = regexp.MustCompile(`#[^#\n]+#`)
	wbCST     = time.FixedZone("CST", 8*3600)
)

func newWeiboAPI(s *Sandbox) *weiboAPI {
	return &weiboAPI{
		s:          s,
		idBase:     1<<53 + (s.now().Unix()%1_000_000_000)*1000,
		safeDomain: wbDefaultDomain,
		tokenTTL:   wbDefaultTTL,
		codes:      map[string]wbGrant{},
		tokens:     map[string]wbToken{},
	}
}

// SetWeiboSafeDomain sets the host that every shared Weibo text must link to
// (it or a subdomain), as an app registers its safe domain on
// open.weibo.com. The default is "ferry.example".
func (s *Sandbox) SetWeiboSafeDomain(host string) {
	s.weibo.mu.Lock()
	defer s.weibo.mu.Unlock()
	s.weibo.safeDomain = strings.ToLower(strings.TrimSpace(host))
}

// SetWeiboTokenLifetime sets how long tokens issued by the emulated OAuth
// flow last: 7 days by default (an audited app), 1 day for an unaudited one.
func (s *Sandbox) SetWeiboTokenLifetime(d time.Duration) {
	s.weibo.mu.Lock()
	defer s.weibo.mu.Unlock()
	s.weibo.tokenTTL = d
}

// wbError is a failure in Weibo's words. desc is set for OAuth errors,
// whose "error" is a short code ("invalid_grant").
type wbError struct {
	status int
	code   int
	msg    string
	desc   string
}

func wbErr(status, code int, msg string) *wbError {
	return &wbError{status: status, code: code, msg: msg}
}

func wbOAuthErr(status, code int, short, desc string) *wbError {
	return &wbError{status: status, code: code, msg: short, desc: desc}
}

func wbMissing(param string) *wbError {
	return wbErr(http.StatusBadRequest, 10016, fmt.Sprintf("Miss required parameter (%s) , see doc for more info.", param))
}

func wbInvalid(param, expect, got string) *wbError {
	return wbErr(http.StatusBadRequest, 10017, fmt.Sprintf("Parameter (%s)'s value invalid,expect (%s) , but get (%s) , see doc for more info.", param, expect, got))
}

func (t *weiboAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth2/authorize" {
		t.authorize(w, r)
		return
	}
	method, handle := t.route(r.URL.Path)
	if handle == nil {
		t.fail(w, r.URL.Path, wbErr(http.StatusNotFound, 10020, "Request api not found!"))
		return
	}
	if r.Method != method {
		t.fail(w, r.URL.Path, wbErr(http.StatusBadRequest, 10021, "HTTP METHOD is not suported for this request!"))
		return
	}
	if e := wbParse(w, r); e != nil {
		t.fail(w, r.URL.Path, e)
		return
	}
	out, e := handle(r)
	if e != nil {
		t.fail(w, r.URL.Path, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// route names the method and handler of an endpoint; handle is nil for
// paths Weibo does not have.
func (t *weiboAPI) route(path string) (method string, handle func(*http.Request) (any, *wbError)) {
	switch path {
	case "/oauth2/access_token":
		return http.MethodPost, t.accessToken
	case "/oauth2/get_token_info":
		return http.MethodPost, t.tokenInfo
	case "/2/statuses/share.json":
		return http.MethodPost, t.share
	case "/2/statuses/destroy.json":
		return http.MethodPost, t.destroy
	case "/2/statuses/user_timeline.json":
		return http.MethodGet, t.userTimeline
	case "/2/statuses/count.json":
		return http.MethodGet, t.count
	case "/2/users/show.json":
		return http.MethodGet, t.usersShow
	}
	return "", nil
}

func (t *weiboAPI) fail(w http.ResponseWriter, path string, e *wbError) {
	body := map[string]any{"request": path, "error_code": e.code, "error": e.msg}
	if e.desc != "" {
		body["error_uri"] = path
		body["error_description"] = e.desc
	}
	writeJSON(w, e.status, body)
}

func (t *weiboAPI) writeServerError(w http.ResponseWriter) {
	t.fail(w, "", wbErr(http.StatusInternalServerError, 10001, "System error!"))
}

// writeRateLimited answers Weibo's "user requests out of rate limit". Weibo
// sends no hint of when to retry; the sandbox adds Retry-After so fault
// configurations can exercise clients that honour one.
func (t *weiboAPI) writeRateLimited(w http.ResponseWriter, after time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(after)))
	t.fail(w, "", wbErr(http.StatusForbidden, 10023, "User requests out of rate limit!"))
}

// wbParse reads the query and a URL-encoded or multipart body. Everything
// stays in memory: http.StripPrefix hands the handler a copy of the request,
// so the server would not remove temporary files.
func wbParse(w http.ResponseWriter, r *http.Request) *wbError {
	r.Body = http.MaxBytesReader(w, r.Body, wbMaxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(wbMaxBody)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return wbErr(http.StatusRequestEntityTooLarge, 10018, "Request body length over limit!")
	case err != nil:
		return wbErr(http.StatusBadRequest, 10008, "Param error, see doc for more info.")
	}
	return nil
}

// auth finds the caller's token: issued by the OAuth flow, or a demo token
// "sandbox-weibo-<uid>" that works without OAuth and does not expire.
func (t *weiboAPI) auth(r *http.Request) (wbToken, *wbError) {
	token := r.FormValue("access_token")
	if token == "" {
		token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "OAuth2 ")
	}
	if token == "" {
		return wbToken{}, wbErr(http.StatusUnauthorized, 21301, "auth faild!")
	}
	now := t.s.now()
	if uid, ok := strings.CutPrefix(token, wbDemoPrefix); ok && wbUIDRE.MatchString(uid) {
		return wbToken{uid: uid, appKey: "sandbox", created: now, expires: now.Add(wbDemoTokenLife)}, nil
	}
	t.mu.Lock()
	tok, ok := t.tokens[token]
	t.mu.Unlock()
	switch {
	case !ok:
		return wbToken{}, wbErr(http.StatusUnauthorized, 21332, "invalid_access_token")
	case !now.Before(tok.expires):
		return wbToken{}, wbErr(http.StatusUnauthorized, 21327, "expired_token")
	}
	return tok, nil
}

// share is statuses/share: the only way left for an ordinary app to post.
func (t *weiboAPI) share(r *http.Request) (any, *wbError) {
	tok, e := t.auth(r)
	if e != nil {
		return nil, e
	}
	switch rip := r.FormValue("rip"); {
	case rip == "":
		return nil, wbMissing("rip")
	case net.ParseIP(rip) == nil:
		return nil, wbInvalid("rip", "the user's real IP, like 211.156.0.1", rip)
	}
	text := strings.ReplaceAll(r.FormValue("status"), "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return nil, wbErr(http.StatusBadRequest, 20008, "Content is null!")
	}
	if weiboLength(text) > wbTextMax {
		return nil, wbErr(http.StatusBadRequest, 20012, "Text too long, please input text less than 140 characters!")
	}
	if topic := wbTopicRE.FindString(wbURLRE.ReplaceAllString(text, " ")); topic != "" {
		// No code is documented for this rule; 10017 is the one share uses
		// for its other rule on the status text (the safe-domain link).
		return nil, wbInvalid("status", "text without #topic#", topic)
	}
	media, e := wbPic(r)
	if e != nil {
		return nil, e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !wbLinksTo(text, t.safeDomain) {
		return nil, wbErr(http.StatusBadRequest, 10017, "text not find domain!")
	}
	if t.repeated(tok.uid, text) {
		return nil, wbErr(http.StatusBadRequest, 20019, "repeat content!")
	}
	if ok, _ := t.s.allow("weibo:share:"+tok.uid, wbPostsPerHour, time.Hour); !ok {
		return nil, wbErr(http.StatusForbidden, 10024, "User requests for (statuses/share) out of rate limit!")
	}
	id := t.idBase + t.s.nextID()
	p := t.s.record(Post{Platform: ferry.Weibo, Target: tok.uid, RemoteID: strconv.FormatInt(id, 10), Text: text, Media: media})
	now := t.s.now()
	return t.statusJSON(p, now, t.userJSON(tok.uid, now, false)), nil
}

// wbPic checks the optional picture: JPEG, GIF or PNG under 5 MB.
func wbPic(r *http.Request) ([]string, *wbError) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["pic"]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File["pic"][0]
	if fh.Size >= wbPicMaxBytes {
		return nil, wbErr(http.StatusBadRequest, 20006, "Image size too large.")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, wbErr(http.StatusBadRequest, 20007, "Does multipart has image?")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		return nil, wbErr(http.StatusBadRequest, 20007, "Does multipart has image?")
	}
	switch http.DetectContentType(data) {
	case "image/jpeg", "image/png", "image/gif":
	default:
		return nil, wbErr(http.StatusBadRequest, 20005, "Unsupported image type, only suport JPG, GIF, PNG!")
	}
	sum := sha256.Sum256(data)
	return []string{"sha256:" + hex.EncodeToString(sum[:])}, nil
}

// wbLinksTo reports whether text links to domain or a subdomain of it.
func wbLinksTo(text, domain string) bool {
	for _, m := range wbURLRE.FindAllString(text, -1) {
		u, err := url.Parse(m)
		if err != nil {
			continue
		}
		h := strings.ToLower(u.Hostname())
		if h == domain || strings.HasSuffix(h, "."+domain) {
			return true
		}
	}
	return false
}

// repeated reports whether uid posted text within the repeat window.
func (t *weiboAPI) repeated(uid, text string) bool {
	s := t.s
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.Platform == ferry.Weibo && p.Target == uid && !p.Deleted && p.Text == text && now.Sub(p.ReceivedAt) < wbRepeatWindow {
			return true
		}
	}
	return false
}

// weiboLength counts text as Weibo's web counter does: 1 byte per
// character in U+0000–U+00FF, 2 per other UTF-16 unit; a link counts 20
// bytes (Sina's own short ones their length, long ones their excess over
// 140 too); "\r\n" is one "\n"; the count is ceil(bytes/2).
func weiboLength(text string) int {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	n, last := 0, 0
	for _, m := range wbURLRE.FindAllStringIndex(text, -1) {
		n += weiboBytes(text[last:m[0]]) + wbLinkBytes(text[m[0]:m[1]])
		last = m[1]
	}
	n += weiboBytes(text[last:])
	return (n + 1) / 2
}

func weiboBytes(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r <= 0xFF:
			n++
		case r <= 0xFFFF:
			n += 2
		default:
			n += 4 // a surrogate pair
		}
	}
	return n
}

func wbLinkBytes(link string) int {
	n := len(link) // the pattern admits ASCII only
	if u, err := url.Parse(link); err == nil && wbIsSinaHost(u.Hostname()) && n <= wbSinaURLMax {
		return n
	}
	if n <= wbURLMaxBytes {
		return wbURLBytes
	}
	return n - wbURLMaxBytes + wbURLBytes
}

func wbIsSinaHost(h string) bool {
	h = strings.ToLower(h)
	for _, d := range []string{"weibo.com", "weibo.cn", "t.cn", "sina.com.cn", "sina.cn"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// livePosts returns uid's statuses that are not deleted, newest first.
func (t *weiboAPI) livePosts(uid string) []Post {
	posts := t.s.Posts(ferry.Weibo, uid)
	posts = slices.DeleteFunc(posts, func(p Post) bool { return p.Deleted })
	slices.Reverse(posts)
	return posts
}

func (t *weiboAPI) userTimeline(r *http.Request) (any, *wbError) {
	tok, e := t.auth(r)
	if e != nil {
		return nil, e
	}
	if uid := r.FormValue("uid"); uid != "" && uid != tok.uid {
		return nil, wbErr(http.StatusForbidden, 21335, "request uid's value must be the current user")
	}
	count := wbIntParam(r, "count", 20)
	if count <= 0 {
		count = 20
	}
	count = min(count, wbTimelineMax)
	page := max(wbIntParam(r, "page", 1), 1)
	sinceID, maxID := int64(wbIntParam(r, "since_id", 0)), int64(wbIntParam(r, "max_id", 0))
	posts := slices.DeleteFunc(t.livePosts(tok.uid), func(p Post) bool {
		id, _ := strconv.ParseInt(p.RemoteID, 10, 64)
		return id <= sinceID || (maxID > 0 && id > maxID)
	})
	now := t.s.now()
	start := min((page-1)*count, len(posts))
	end := min(start+count, len(posts))
	var user any = json.Number(tok.uid)
	if r.FormValue("trim_user") != "1" {
		user = t.userJSON(tok.uid, now, false)
	}
	statuses := make([]map[string]any, 0, end-start)
	for _, p := range posts[start:end] {
		statuses = append(statuses, t.statusJSON(p, now, user))
	}
	next := json.Number("0")
	if end < len(posts) {
		next = json.Number(posts[end-1].RemoteID)
	}
	return map[string]any{"statuses": statuses, "hasvisible": false, "previous_cursor": 0, "next_cursor": next, "total_number": len(posts)}, nil
}

func wbIntParam(r *http.Request, name string, def int) int {
	n, err := strconv.Atoi(r.FormValue(name))
	if err != nil {
		return def
	}
	return n
}

// count is statuses/count: reposts, comments and likes of up to 100
// statuses; unknown and deleted ones are left out, as Weibo does.
func (t *weiboAPI) count(r *http.Request) (any, *wbError) {
	if _, e := t.auth(r); e != nil {
		return nil, e
	}
	raw := r.FormValue("ids")
	if raw == "" {
		return nil, wbMissing("ids")
	}
	ids := strings.Split(raw, ",")
	if len(ids) > wbCountMax {
		return nil, wbErr(http.StatusBadRequest, 20009, "IDs is too many!")
	}
	now := t.s.now()
	byID := map[string]Post{}
	for _, p := range t.s.Posts(ferry.Weibo, "") {
		byID[p.RemoteID] = p
	}
	out := []map[string]any{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return nil, wbInvalid("ids", "int64 ids separated by commas", id)
		}
		p, ok := byID[id]
		if !ok || p.Deleted {
			continue
		}
		reposts, comments, likes := wbEngagement(p.RemoteID, now.Sub(p.ReceivedAt))
		out = append(out, map[string]any{"id": json.Number(p.RemoteID), "comments": comments, "reposts": reposts, "attitudes": likes})
	}
	return out, nil
}

// destroy is statuses/destroy: the author deletes a status.
func (t *weiboAPI) destroy(r *http.Request) (any, *wbError) {
	tok, e := t.auth(r)
	if e != nil {
		return nil, e
	}
	id := r.FormValue("id")
	if id == "" {
		return nil, wbMissing("id")
	}
	now := t.s.now()
	t.s.mu.Lock()
	var found *Post
	for i := range t.s.posts {
		if p := &t.s.posts[i]; p.Platform == ferry.Weibo && p.RemoteID == id && !p.Deleted {
			found = p
			break
		}
	}
	switch {
	case found == nil:
		t.s.mu.Unlock()
		return nil, wbErr(http.StatusBadRequest, 20101, "Target weibo does not exist!")
	case found.Target != tok.uid:
		t.s.mu.Unlock()
		return nil, wbErr(http.StatusForbidden, 20102, "Not your own weibo!")
	}
	found.Deleted = true
	p := *found
	t.s.mu.Unlock()
	return t.statusJSON(p, now, t.userJSON(tok.uid, now, false)), nil
}

func (t *weiboAPI) usersShow(r *http.Request) (any, *wbError) {
	if _, e := t.auth(r); e != nil {
		return nil, e
	}
	uid := r.FormValue("uid")
	if name := r.FormValue("screen_name"); uid == "" && name != "" {
		var own bool
		if uid, own = strings.CutPrefix(name, wbScreenPrefix); !own {
			return t.usersShowByName(name)
		}
	}
	switch {
	case uid == "":
		return nil, wbMissing("uid")
	case !wbUIDRE.MatchString(uid):
		return nil, wbInvalid("uid", "a numeric user id", uid)
	case strings.HasPrefix(uid, "9999"):
		// A way for tests to meet a user who does not exist.
		return nil, wbErr(http.StatusBadRequest, 20003, "User does not exists!")
	}
	return t.userJSON(uid, t.s.now(), true), nil
}

// userJSON is Weibo's user object for a sandbox user: followers grow with
// time, statuses with what the user posted here.
func (t *weiboAPI) userJSON(uid string, now time.Time, withStatus bool) map[string]any {
	seed := wbHash("weibo:user:" + uid)
	live := t.livePosts(uid)
	name := wbScreenPrefix + uid
	avatar := "https://tvax1.sinaimg.cn/crop.0.0.180.180.180/" + uid + ".jpg"
	m := map[string]any{
		"id":                 json.Number(uid),
		"idstr":              uid,
		"class":              1,
		"screen_name":        name,
		"name":               name,
		"province":           "81",
		"city":               "1",
		"location":           "香港",
		"description":        "Ferry 沙盒中的演示账号",
		"url":                "",
		"profile_image_url":  avatar,
		"profile_url":        "u/" + uid,
		"domain":             "",
		"weihao":             "",
		"gender":             "n",
		"followers_count":    simulatedFollowers("weibo:"+uid, now),
		"friends_count":      40 + int64(seed%360),
		"statuses_count":     wbStatuses(uid, seed, now) + int64(len(live)),
		"favourites_count":   0,
		"created_at":         wbTime(time.Unix(1_300_000_000+int64(seed%300_000_000), 0)),
		"following":          false,
		"allow_all_act_msg":  false,
		"geo_enabled":        false,
		"verified":           true,
		"verified_type":      1,
		"verified_reason":    "Ferry 沙盒",
		"allow_all_comment":  true,
		"avatar_large":       avatar,
		"avatar_hd":          avatar,
		"follow_me":          false,
		"online_status":      0,
		"bi_followers_count": int64(seed % 40),
		"lang":               "zh-cn",
	}
	if withStatus && len(live) > 0 {
		m["status"] = t.statusJSON(live[0], now, json.Number(uid))
	}
	return m
}

// statusJSON is Weibo's status object for a recorded post, with user as
// its user: an object, or only the uid as with trim_user=1. Links in the
// text come back as t.cn short links, as on Weibo.
func (t *weiboAPI) statusJSON(p Post, now time.Time, user any) map[string]any {
	reposts, comments, likes := wbEngagement(p.RemoteID, now.Sub(p.ReceivedAt))
	pics := []map[string]string{}
	m := map[string]any{
		"created_at":              wbTime(p.ReceivedAt),
		"id":                      json.Number(p.RemoteID),
		"idstr":                   p.RemoteID,
		"mid":                     p.RemoteID,
		"can_edit":                false,
		"text":                    wbShortenLinks(p.Text),
		"source_allowclick":       0,
		"source_type":             1,
		"source":                  `<a href="https://` + wbDefaultDomain + `" rel="nofollow">Ferry</a>`,
		"favorited":               false,
		"truncated":               false,
		"in_reply_to_status_id":   "",
		"in_reply_to_user_id":     "",
		"in_reply_to_screen_name": "",
		"geo":                     nil,
		"is_paid":                 false,
		"mblog_vip_type":          0,
		"reposts_count":           reposts,
		"comments_count":          comments,
		"attitudes_count":         likes,
		"pending_approval_count":  0,
		"isLongText":              false,
		"visible":                 map[string]int{"type": 0, "list_id": 0},
	}
	if len(p.Media) > 0 {
		name := strings.TrimPrefix(p.Media[0], "sha256:")[:32] + ".jpg"
		m["thumbnail_pic"] = "https://wx1.sinaimg.cn/thumbnail/" + name
		m["bmiddle_pic"] = "https://wx1.sinaimg.cn/bmiddle/" + name
		m["original_pic"] = "https://wx1.sinaimg.cn/large/" + name
		pics = append(pics, map[string]string{"thumbnail_pic": m["thumbnail_pic"].(string)})
	}
	m["pic_urls"] = pics
	m["user"] = user
	return m
}

func wbTime(t time.Time) string { return t.In(wbCST).Format(time.RubyDate) }

// wbShortenLinks replaces links with t.cn links, as Weibo does in the texts
// it returns.
func wbShortenLinks(text string) string {
	return wbURLRE.ReplaceAllStringFunc(text, func(link string) string {
		h := wbHash(link)
		code := make([]byte, 7)
		for i := range code {
			code[i] = wbBase62[h%62]
			h /= 62
		}
		return "http://t.cn/" + string(code)
	})
}

const wbBase62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func wbHash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// wbEngagement returns a post's reposts, comments and likes: they
// grow fast in the first hours and level off, deterministically per post.
func wbEngagement(key string, age time.Duration) (reposts, comments, likes int64) {
	if age <= 0 {
		return 0, 0, 0
	}
	reach := 20 + float64(wbHash(key)%480) // likes the post ends with
	f := 1 - math.Exp(-age.Hours()/6)
	return int64(reach * 0.15 * f), int64(reach * 0.3 * f), int64(reach * f)
}

// authorize stands for Weibo's sign-in page: it signs the demo user in and
// redirects straight back with a code. The sandbox-only parameter
// sandbox_uid picks the user; otherwise the client id names one.
func (t *weiboAPI) authorize(w http.ResponseWriter, r *http.Request) {
	const path = "/oauth2/authorize"
	q := r.URL.Query()
	clientID, redirect, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	if clientID == "" {
		t.fail(w, path, wbOAuthErr(http.StatusBadRequest, 21323, "invalid_request", "miss client id or secret"))
		return
	}
	target, err := url.Parse(redirect)
	if redirect == "" || err != nil || !target.IsAbs() {
		t.fail(w, path, wbOAuthErr(http.StatusBadRequest, 21322, "redirect_uri_mismatch", "redirect_uri is missing or not absolute"))
		return
	}
	back := target.Query()
	if state != "" {
		back.Set("state", state)
	}
	if q.Get("response_type") != "code" {
		// Errors at the authorisation endpoint go back to the app.
		back.Set("error", "unsupported_response_type")
		back.Set("error_code", "21329")
		target.RawQuery = back.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
		return
	}
	uid := q.Get("sandbox_uid")
	if !wbUIDRE.MatchString(uid) {
		uid = strconv.FormatUint(1_000_000_000+wbHash("weibo:client:"+clientID)%7_000_000_000, 10)
	}
	code := wbRandomHex(16)
	t.mu.Lock()
	t.codes[code] = wbGrant{uid: uid, clientID: clientID, redirectURI: redirect, expires: t.s.now().Add(wbCodeTTL)}
	t.mu.Unlock()
	back.Set("code", code)
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// accessToken is oauth2/access_token: a code, used once, for a token.
func (t *weiboAPI) accessToken(r *http.Request) (any, *wbError) {
	clientID, secret, code := r.FormValue("client_id"), r.FormValue("client_secret"), r.FormValue("code")
	if r.FormValue("grant_type") != "authorization_code" {
		return nil, wbOAuthErr(http.StatusBadRequest, 21328, "unsupported_grant_type", "unsupport grant type")
	}
	if clientID == "" || secret == "" {
		return nil, wbOAuthErr(http.StatusUnauthorized, 21324, "invalid_client", "miss client id or secret")
	}
	now := t.s.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.codes[code]
	delete(t.codes, code)
	switch {
	case !ok || !now.Before(g.expires) || g.clientID != clientID:
		return nil, wbOAuthErr(http.StatusBadRequest, 21325, "invalid_grant", "invalid authorization code:"+code)
	case g.redirectURI != r.FormValue("redirect_uri"):
		return nil, wbOAuthErr(http.StatusBadRequest, 21322, "redirect_uri_mismatch", "redirect uri mismatch")
	}
	token := "2.00" + wbRandomHex(14)
	t.tokens[token] = wbToken{uid: g.uid, appKey: clientID, created: now, expires: now.Add(t.tokenTTL)}
	secs := int64(t.tokenTTL / time.Second)
	return map[string]any{"access_token": token, "remind_in": strconv.FormatInt(secs, 10), "expires_in": secs, "uid": g.uid, "isRealName": "true"}, nil
}

// tokenInfo is oauth2/get_token_info: whose token it is and how long it
// has left.
func (t *weiboAPI) tokenInfo(r *http.Request) (any, *wbError) {
	tok, e := t.auth(r)
	if e != nil {
		return nil, e
	}
	left := int64(tok.expires.Sub(t.s.now()) / time.Second)
	return map[string]any{"uid": json.Number(tok.uid), "appkey": tok.appKey, "scope": "", "create_at": tok.created.Unix(), "expire_in": left}, nil
}

func wbRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
