package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
)

// graphAPI emulates Meta's Graph API for Facebook Pages and Instagram
// professional accounts at /graph/<version>/… (any version string such as
// v23.0; unversioned paths work too, as on the real API): page feed and
// photos (including unpublished uploads attached to a multi-photo post),
// published posts with reaction and comment summaries, DELETE, Instagram
// media containers with their lifecycle (IN_PROGRESS, FINISHED, ERROR,
// EXPIRED, PUBLISHED), carousels, media_publish under the 25-per-24-hours
// quota, content_publishing_limit, media listings, insights, ?ids= batches,
// business_discovery, and Facebook Login (dialog, code exchange, long-lived
// tokens, /me/accounts). Errors use the Graph envelope with real codes.
//
// Tokens: "sandbox-fb-<page-id>" is the page token of any numeric page id;
// "sandbox-ig-<ig-user-id>" an Instagram user token; "sandbox-user-…" a
// user token, as the login flow hands out. The Instagram account linked to
// page P has id InstagramUserOf(P), and the page token works for it, as page
// tokens do with Facebook Login.
type graphAPI struct {
	s *Sandbox
	// fetch reads image_url on loopback hosts, to check it is an image.
	fetch *http.Client

	mu         sync.Mutex
	processing time.Duration
	revoked    map[string]bool
	codes      map[string]*oauthCode
	posts      map[string]*fbPost
	photos     map[string]*fbPhoto
	containers map[string]*igContainer
	media      map[string]*igMedia
}

// Graph limits and sandbox choices.
const (
	// igUserPrefix starts the id of the Instagram account linked to a page
	// (real Instagram user ids start with 17841).
	igUserPrefix = "178414"
	// igQuota is Instagram's publishing quota per igQuotaWindow.
	igQuota       = 25
	igQuotaWindow = 24 * time.Hour
	// igContainerLife is how long an unpublished container lives.
	igContainerLife = 24 * time.Hour
	// defaultIGProcessing is how long a container stays IN_PROGRESS.
	defaultIGProcessing = 300 * time.Millisecond
	igCaptionMax        = 2200
	igHashtagMax        = 30
	igMentionMax        = 20
	igCarouselMin       = 2
	igCarouselMax       = 10
	igImageMaxBytes     = 8 << 20
	// fbPostsPerHour is the sandbox's page posting limit; Facebook's real
	// limits are computed from usage and not published.
	fbPostsPerHour  = 100
	fbDuplicateSpan = 10 * time.Minute
	fbMessageMax    = 63206
	fbPhotoMaxBytes = 10 << 20
	graphMaxUpload  = 32 << 20
	// shortTokenLife and longTokenLife are Facebook's user token lifetimes.
	shortTokenLife = 2 * time.Hour
	longTokenLife  = 60 * 24 * time.Hour
)

// sandboxPages are the pages a sandbox user manages (GET /me/accounts);
// the first has a linked Instagram account.
var sandboxPages = []struct {
	ID, Name  string
	Instagram bool
}{
	{"100000000000001", "Ferry Sandbox Page", true},
	{"100000000000002", "Ferry Sandbox Notes", false},
}

var (
	graphVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	numericRE      = regexp.MustCompile(`^[0-9]{5,30}$`)
	igHashtagRE    = regexp.MustCompile(`#[\p{L}\p{N}_]+`)
	igMentionRE    = regexp.MustCompile(`@[A-Za-z0-9._]+`)
)

type oauthCode struct {
	redirect string
	used     bool
}

type fbPost struct {
	ID      string
	Page    string
	Message string
	Link    string
	Photos  []string
	Created time.Time
}

type fbPhoto struct {
	ID         string
	Page       string
	Media      string
	AltText    string // alt_text_custom
	Published  bool
	AttachedTo string
	Created    time.Time
}

type igContainer struct {
	ID           string
	User         string
	ImageURL     string
	Caption      string
	AltText      string // an IMAGE container's alt_text
	MediaType    string // IMAGE or CAROUSEL
	CarouselItem bool
	Children     []string
	Created      time.Time
	// FailSubcode is set when the image could not be used: the container
	// ends in ERROR with it.
	FailSubcode int
	MediaID     string // set once published
	UsedBy      string // the carousel a child belongs to
}

type igMedia struct {
	ID        string
	User      string
	Caption   string
	MediaType string
	URLs      []string
	AltText   []string // each image's, in the order of URLs
	Children  []string
	Shortcode string
	Created   time.Time
}

func newGraphAPI(s *Sandbox) *graphAPI {
	return &graphAPI{
		s:          s,
		fetch:      &http.Client{Timeout: 5 * time.Second},
		processing: defaultIGProcessing,
		revoked:    map[string]bool{},
		codes:      map[string]*oauthCode{},
		posts:      map[string]*fbPost{},
		photos:     map[string]*fbPhoto{},
		containers: map[string]*igContainer{},
		media:      map[string]*igMedia{},
	}
}

// FacebookPageToken returns the sandbox page access token of a page.
func FacebookPageToken(pageID string) string { return "sandbox-fb-" + pageID }

// InstagramToken returns the sandbox access token of an Instagram user.
func InstagramToken(igUserID string) string { return "sandbox-ig-" + igUserID }

// InstagramUserOf returns the id of the Instagram account linked to a
// sandbox page.
func InstagramUserOf(pageID string) string { return igUserPrefix + pageID }

// RevokeGraphToken makes the emulated Graph API refuse token with code 190
// (subcode 460), as after a password change.
func (s *Sandbox) RevokeGraphToken(token string) {
	s.graph.mu.Lock()
	defer s.graph.mu.Unlock()
	s.graph.revoked[token] = true
}

// SetInstagramProcessing sets how long new Instagram containers stay
// IN_PROGRESS (300 ms by default).
func (s *Sandbox) SetInstagramProcessing(d time.Duration) {
	s.graph.mu.Lock()
	defer s.graph.mu.Unlock()
	s.graph.processing = max(d, 0)
}

// graphError is a Graph API error envelope and its HTTP status.
type graphError struct {
	Status    int
	Code      int
	Subcode   int
	Type      string
	Message   string
	Transient bool
	UserTitle string
	UserMsg   string
	// RegainIn, when set, is announced in X-Business-Use-Case-Usage.
	RegainIn time.Duration
	Usage    string // the business use case type ("pages", "instagram")
}

func errInvalid(msg string, args ...any) *graphError {
	return &graphError{Status: 400, Code: 100, Type: "OAuthException", Message: "(#100) " + fmt.Sprintf(msg, args...)}
}

func errNoObject(method, id string) *graphError {
	return &graphError{Status: 400, Code: 100, Subcode: 33, Type: "GraphMethodException", Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", strings.ToLower(method), id)}
}

func errNoField(field, node string) *graphError {
	return errInvalid("Tried accessing nonexisting field (%s) on node type (%s)", field, node)
}

func errPermission(msg string) *graphError {
	return &graphError{Status: 403, Code: 200, Type: "OAuthException", Message: "(#200) " + msg}
}

func errIG(code, subcode int, title, msg string) *graphError {
	return &graphError{Status: 400, Code: code, Subcode: subcode, Type: "OAuthException", Message: msg, UserTitle: title, UserMsg: msg}
}

func (g *graphAPI) fail(w http.ResponseWriter, e *graphError) {
	body := map[string]any{"message": e.Message, "type": e.Type, "code": e.Code, "fbtrace_id": g.traceID()}
	if e.Subcode != 0 {
		body["error_subcode"] = e.Subcode
	}
	if e.Transient {
		body["is_transient"] = true
	}
	if e.UserTitle != "" {
		body["error_user_title"] = e.UserTitle
		body["error_user_msg"] = e.UserMsg
	}
	if e.RegainIn > 0 || e.Usage != "" {
		writeUsage(w.Header(), e.Usage, e.RegainIn)
	}
	writeJSON(w, e.Status, map[string]any{"error": body})
}

// writeUsage sets the usage headers of a throttled answer. Meta announces
// the wait in whole minutes.
func writeUsage(h http.Header, kind string, regain time.Duration) {
	if kind == "" {
		kind = "pages"
	}
	minutes := int(math.Ceil(regain.Minutes()))
	h.Set("X-App-Usage", `{"call_count":100,"total_cputime":37,"total_time":41}`)
	h.Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{"sandbox":[{"type":%q,"call_count":100,"total_cputime":37,"total_time":41,"estimated_time_to_regain_access":%d}]}`, kind, minutes))
}

func (g *graphAPI) traceID() string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(g.s.nextID(), 10)))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// graphFaults is the graph emulator as one platform's fault target, so
// fault injection answers with that platform's envelopes.
type graphFaults struct {
	*graphAPI
	platform ferry.Platform
}

func (f graphFaults) writeServerError(w http.ResponseWriter) {
	f.fail(w, &graphError{Status: 500, Code: 2, Type: "OAuthException", Transient: true, Message: "An unexpected error has occurred. Please retry your request later."})
}

func (f graphFaults) writeRateLimited(w http.ResponseWriter, after time.Duration) {
	if f.platform == ferry.Instagram {
		f.fail(w, &graphError{Status: 403, Code: 4, Type: "OAuthException", Transient: true, Message: "(#4) Application request limit reached", RegainIn: after, Usage: "instagram"})
		return
	}
	f.fail(w, &graphError{Status: 400, Code: 32, Type: "OAuthException", Message: "(#32) Page request limit reached", RegainIn: after, Usage: "pages"})
}

// handler serves the emulator with fault injection: requests concerning
// Instagram draw Instagram's faults, the rest Facebook's.
func (g *graphAPI) handler() http.Handler {
	fb := g.s.faulty(ferry.Facebook, graphFaults{g, ferry.Facebook})
	ig := g.s.faulty(ferry.Instagram, graphFaults{g, ferry.Instagram})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.concernsInstagram(r) {
			ig.ServeHTTP(w, r)
			return
		}
		fb.ServeHTTP(w, r)
	})
}

// concernsInstagram tells from the token and the first node of the path
// whether a request is Instagram's.
func (g *graphAPI) concernsInstagram(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method == http.MethodPost && ct == "application/x-www-form-urlencoded" {
		_ = r.ParseForm() // kept in r.PostForm for the handler
	}
	if strings.HasPrefix(requestToken(r, r.Form), "sandbox-ig-") {
		return true
	}
	nodes := pathNodes(r.URL.Path)
	first := ""
	if len(nodes) > 0 {
		first = nodes[0]
	} else if ids := r.URL.Query().Get("ids"); ids != "" {
		first, _, _ = strings.Cut(ids, ",")
	}
	return g.isInstagramNode(first)
}

func (g *graphAPI) isInstagramNode(id string) bool {
	if strings.HasPrefix(id, igUserPrefix) {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.containers[id] != nil || g.media[id] != nil
}

func pathNodes(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	nodes := strings.Split(path, "/")
	if graphVersionRE.MatchString(nodes[0]) {
		nodes = nodes[1:]
	}
	return nodes
}

func requestToken(r *http.Request, form url.Values) string {
	if t := form.Get("access_token"); t != "" {
		return t
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	auth := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "OAuth "} {
		if t, ok := strings.CutPrefix(auth, scheme); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// graphRequest is one parsed call.
type graphRequest struct {
	r      *http.Request
	method string
	nodes  []string
	params url.Values
	files  map[string][]*multipart.FileHeader
	token  string
}

func (g *graphAPI) parse(r *http.Request) (*graphRequest, *graphError) {
	req := &graphRequest{r: r, method: r.Method, nodes: pathNodes(r.URL.Path), params: url.Values{}}
	for k, vs := range r.URL.Query() {
		req.params[k] = vs
	}
	if r.Method == http.MethodPost {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "multipart/form-data":
			if err := r.ParseMultipartForm(graphMaxUpload); err != nil {
				return nil, errInvalid("Could not parse the multipart body: %v", err)
			}
			for k, vs := range r.MultipartForm.Value {
				req.params[k] = vs
			}
			req.files = r.MultipartForm.File
		case "application/x-www-form-urlencoded", "":
			if err := r.ParseForm(); err != nil {
				return nil, errInvalid("Could not parse the form body: %v", err)
			}
			for k, vs := range r.PostForm {
				req.params[k] = vs
			}
		case "application/json":
			var m map[string]any
			if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
				return nil, errInvalid("Could not parse the JSON body: %v", err)
			}
			for k, v := range m {
				if s, ok := v.(string); ok {
					req.params.Set(k, s)
				} else {
					b, _ := json.Marshal(v)
					req.params.Set(k, string(b))
				}
			}
		}
	}
	req.token = requestToken(r, req.params)
	return req, nil
}

func (g *graphAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, gerr := g.parse(r)
	if gerr != nil {
		g.fail(w, gerr)
		return
	}
	var result any
	switch {
	case req.is(http.MethodGet, "dialog", "oauth"):
		g.dialog(w, req)
		return
	case req.is(http.MethodGet, "oauth", "access_token"):
		result, gerr = g.accessToken(req)
	default:
		var who principal
		who, gerr = g.authenticate(req.token)
		if gerr == nil {
			result, gerr = g.route(req, who)
		}
	}
	if gerr != nil {
		g.fail(w, gerr)
		return
	}
	writeJSON(w, http.StatusOK, result)
}

func (req *graphRequest) is(method string, nodes ...string) bool {
	return req.method == method && slices.Equal(req.nodes, nodes)
}

// principal is who a token speaks for.
type principal struct {
	kind string // "page", "instagram" or "user"
	id   string
}

func (g *graphAPI) authenticate(token string) (principal, *graphError) {
	if token == "" {
		return principal{}, &graphError{Status: 400, Code: 104, Type: "OAuthException", Message: "An access token is required to request this resource."}
	}
	g.mu.Lock()
	revoked := g.revoked[token]
	g.mu.Unlock()
	if revoked {
		return principal{}, &graphError{Status: 400, Code: 190, Subcode: 460, Type: "OAuthException", Message: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."}
	}
	if id, ok := strings.CutPrefix(token, "sandbox-fb-"); ok && numericRE.MatchString(id) {
		return principal{kind: "page", id: id}, nil
	}
	if id, ok := strings.CutPrefix(token, "sandbox-ig-"); ok && numericRE.MatchString(id) {
		return principal{kind: "instagram", id: id}, nil
	}
	if rest, ok := strings.CutPrefix(token, "sandbox-user-"); ok && rest != "" {
		return principal{kind: "user", id: "10000000000" + strconv.Itoa(int(graphHash(rest)%9000)+1000)}, nil
	}
	return principal{}, &graphError{Status: 400, Code: 190, Type: "OAuthException", Message: "Invalid OAuth access token - Cannot parse access token"}
}

func graphHash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// route dispatches an authenticated call by its path.
func (g *graphAPI) route(req *graphRequest, who principal) (any, *graphError) {
	n := req.nodes
	switch {
	case len(n) == 0 && req.method == http.MethodGet && req.params.Get("ids") != "":
		return g.batch(req, who)
	case len(n) == 0:
		return nil, errInvalid("Missing node id")
	case len(n) > 2:
		return nil, &graphError{Status: 400, Code: 2500, Type: "OAuthException", Message: "Unknown path components: /" + strings.Join(n[2:], "/")}
	case n[0] == "me":
		return g.me(req, who)
	}
	id, edge := n[0], ""
	if len(n) == 2 {
		edge = n[1]
	}
	g.mu.Lock()
	_, isContainer := g.containers[id]
	_, isMedia := g.media[id]
	_, isPhoto := g.photos[id]
	g.mu.Unlock()
	switch {
	case strings.Contains(id, "_"):
		return g.routePost(req, who, id, edge)
	case isContainer:
		if req.method != http.MethodGet || edge != "" {
			return nil, errNoObject(req.method, id)
		}
		return g.containerNode(req, who, id)
	case isMedia:
		return g.routeMedia(req, who, id, edge)
	case isPhoto:
		if req.method != http.MethodGet || edge != "" {
			return nil, errNoObject(req.method, id)
		}
		return g.photoNode(id), nil
	case strings.HasPrefix(id, igUserPrefix) && numericRE.MatchString(id):
		return g.routeIGUser(req, who, id, edge)
	case numericRE.MatchString(id):
		return g.routePage(req, who, id, edge)
	case req.method == http.MethodGet && edge == "" && fbAliasRE.MatchString(id):
		return g.pageByAlias(req, id)
	}
	return nil, errNoObject(req.method, id)
}

// ----- Facebook Login -----

func (g *graphAPI) dialog(w http.ResponseWriter, req *graphRequest) {
	redirect := req.params.Get("redirect_uri")
	u, err := url.Parse(redirect)
	if redirect == "" || err != nil || !u.IsAbs() || req.params.Get("client_id") == "" {
		http.Error(w, "Sandbox login: client_id and an absolute redirect_uri are required.", http.StatusBadRequest)
		return
	}
	code := fmt.Sprintf("sandbox-code-%d", g.s.nextID())
	g.mu.Lock()
	g.codes[code] = &oauthCode{redirect: redirect}
	g.mu.Unlock()
	q := u.Query()
	q.Set("code", code)
	if st := req.params.Get("state"); st != "" {
		q.Set("state", st)
	}
	u.RawQuery = q.Encode()
	u.Fragment = "_=_" // Facebook appends this fragment to the redirect.
	http.Redirect(w, req.r, u.String(), http.StatusFound)
}

func (g *graphAPI) accessToken(req *graphRequest) (any, *graphError) {
	p := req.params
	if p.Get("client_id") == "" {
		return nil, errInvalid("Missing client_id parameter.")
	}
	if p.Get("client_secret") == "" {
		return nil, &graphError{Status: 400, Code: 1, Type: "OAuthException", Message: "Missing client_secret parameter."}
	}
	n := g.s.nextID()
	if p.Get("grant_type") == "fb_exchange_token" {
		if !strings.HasPrefix(p.Get("fb_exchange_token"), "sandbox-user-") {
			return nil, &graphError{Status: 400, Code: 190, Type: "OAuthException", Message: "Invalid OAuth access token - Cannot parse access token"}
		}
		return map[string]any{"access_token": fmt.Sprintf("sandbox-user-long-%d", n), "token_type": "bearer", "expires_in": int(longTokenLife.Seconds())}, nil
	}
	code := p.Get("code")
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.codes[code]
	switch {
	case code == "":
		return nil, errInvalid("Missing code parameter.")
	case c == nil:
		return nil, &graphError{Status: 400, Code: 100, Subcode: 36007, Type: "OAuthException", Message: "Invalid verification code format."}
	case c.used:
		return nil, &graphError{Status: 400, Code: 100, Subcode: 36009, Type: "OAuthException", Message: "This authorization code has been used."}
	case c.redirect != p.Get("redirect_uri"):
		return nil, &graphError{Status: 400, Code: 100, Subcode: 36008, Type: "OAuthException", Message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"}
	}
	c.used = true
	return map[string]any{"access_token": fmt.Sprintf("sandbox-user-%d", n), "token_type": "bearer", "expires_in": int(shortTokenLife.Seconds())}, nil
}

func (g *graphAPI) me(req *graphRequest, who principal) (any, *graphError) {
	switch {
	case req.is(http.MethodGet, "me"):
		switch who.kind {
		case "page":
			return g.pageNode(req, who.id)
		case "instagram":
			return g.igUserNode(req, who.id)
		}
		return map[string]any{"id": who.id, "name": "Sandbox User"}, nil
	case req.is(http.MethodGet, "me", "accounts"):
		if who.kind != "user" {
			return nil, errInvalid("Tried accessing nonexisting field (accounts) on node type (Page)")
		}
		fields, gerr := parseFieldList(req.params.Get("fields"), "id,name,access_token", []string{"id", "name", "access_token", "category", "tasks", "instagram_business_account"}, "Page")
		if gerr != nil {
			return nil, gerr
		}
		items := make([]map[string]any, len(sandboxPages))
		for i, p := range sandboxPages {
			m := map[string]any{}
			for _, f := range fields {
				switch f.name {
				case "id":
					m["id"] = p.ID
				case "name":
					m["name"] = p.Name
				case "access_token":
					m["access_token"] = FacebookPageToken(p.ID)
				case "category":
					m["category"] = "Media/news company"
				case "tasks":
					m["tasks"] = []string{"ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"}
				case "instagram_business_account":
					if p.Instagram {
						m["instagram_business_account"] = map[string]string{"id": InstagramUserOf(p.ID)}
					}
				}
			}
			items[i] = m
		}
		return pageOf(req, items)
	}
	return nil, errNoObject(req.method, "me")
}

// ----- Facebook pages -----

func pageName(id string) string {
	for _, p := range sandboxPages {
		if p.ID == id {
			return p.Name
		}
	}
	return "Sandbox Page " + id
}

func (g *graphAPI) routePage(req *graphRequest, who principal, page, edge string) (any, *graphError) {
	switch {
	case req.method == http.MethodGet && edge == "":
		return g.pageNode(req, page)
	case req.method == http.MethodPost && edge == "feed":
		return g.postFeed(req, who, page)
	case req.method == http.MethodPost && edge == "photos":
		return g.postPhoto(req, who, page)
	case req.method == http.MethodGet && (edge == "feed" || edge == "posts" || edge == "published_posts"):
		return g.listPosts(req, page)
	case edge != "":
		return nil, errNoField(edge, "Page")
	}
	return nil, errNoObject(req.method, page)
}

func (g *graphAPI) pageNode(req *graphRequest, page string) (any, *graphError) {
	fields, gerr := parseFieldList(req.params.Get("fields"), "id,name", []string{"id", "name", "username", "link", "category", "followers_count", "fan_count", "instagram_business_account"}, "Page")
	if gerr != nil {
		return nil, gerr
	}
	followers := simulatedFollowers("facebook:page:"+page, g.s.now())
	m := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			m["id"] = page
		case "name":
			m["name"] = pageName(page)
		case "username":
			m["username"] = "sandboxpage" + page[len(page)-4:]
		case "link":
			m["link"] = "https://www.facebook.com/" + page
		case "category":
			m["category"] = "Media/news company"
		case "followers_count":
			m["followers_count"] = followers
		case "fan_count":
			m["fan_count"] = followers * 97 / 100
		case "instagram_business_account":
			m["instagram_business_account"] = map[string]string{"id": InstagramUserOf(page)}
		}
	}
	return m, nil
}

func (g *graphAPI) requirePageToken(who principal, page string) *graphError {
	if who.kind == "page" && who.id == page {
		return nil
	}
	return errPermission("If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission")
}

// pageLimit enforces the sandbox's page posting limit.
func (g *graphAPI) pageLimit(page string) *graphError {
	if ok, wait := g.s.allow("facebook:page:"+page, fbPostsPerHour, time.Hour); !ok {
		return &graphError{Status: 400, Code: 32, Type: "OAuthException", Message: "(#32) Page request limit reached", RegainIn: wait, Usage: "pages"}
	}
	return nil
}

func (g *graphAPI) newPostID(page string) string {
	return fmt.Sprintf("%s_%d", page, 120000000000000+g.s.nextID())
}

func (g *graphAPI) postFeed(req *graphRequest, who principal, page string) (any, *graphError) {
	if gerr := g.requirePageToken(who, page); gerr != nil {
		return nil, gerr
	}
	p := req.params
	if p.Get("published") == "false" || p.Get("scheduled_publish_time") != "" {
		return nil, errInvalid("The sandbox emulates published feed posts only (no published=false or scheduled_publish_time)")
	}
	message, link := p.Get("message"), p.Get("link")
	if utf8.RuneCountInString(message) > fbMessageMax {
		return nil, errInvalid("Param message must be at most %d characters long", fbMessageMax)
	}
	var attached []string
	for i := 0; ; i++ {
		raw := p.Get(fmt.Sprintf("attached_media[%d]", i))
		if raw == "" {
			break
		}
		var a struct {
			MediaFBID string `json:"media_fbid"`
		}
		if err := json.Unmarshal([]byte(raw), &a); err != nil || a.MediaFBID == "" {
			return nil, errInvalid("Param attached_media[%d] must be a JSON object with a media_fbid", i)
		}
		attached = append(attached, a.MediaFBID)
	}
	if strings.TrimSpace(message) == "" && link == "" && len(attached) == 0 {
		return nil, errInvalid("Missing message or attachment")
	}
	now := g.s.now()
	if len(attached) == 0 && link == "" && g.isDuplicate(page, message, now) {
		return nil, &graphError{Status: 400, Code: 506, Type: "OAuthException", Message: "(#506) Duplicate status message", UserTitle: "Duplicate Status Update", UserMsg: "This status update is identical to the last one you posted. Try posting something different, or delete your previous update."}
	}

	g.mu.Lock()
	var media, alts []string
	for i, id := range attached {
		ph := g.photos[id]
		if ph == nil || ph.Page != page || ph.Published || ph.AttachedTo != "" {
			g.mu.Unlock()
			return nil, errInvalid("Param attached_media[%d] must be an unpublished photo of this page not yet attached to a post", i)
		}
		media, alts = append(media, ph.Media), append(alts, ph.AltText)
	}
	g.mu.Unlock()
	if gerr := g.pageLimit(page); gerr != nil {
		return nil, gerr
	}
	post := &fbPost{ID: g.newPostID(page), Page: page, Message: message, Link: link, Photos: attached, Created: now.UTC()}
	g.mu.Lock()
	for _, id := range attached {
		g.photos[id].AttachedTo = post.ID
	}
	g.posts[post.ID] = post
	g.mu.Unlock()
	g.s.record(Post{Platform: ferry.Facebook, Target: page, RemoteID: post.ID, Text: message, Media: media, AltText: alts})
	return map[string]any{"id": post.ID}, nil
}

// isDuplicate reports whether the page posted the same status within
// fbDuplicateSpan, which Facebook refuses with code 506.
func (g *graphAPI) isDuplicate(page, message string, now time.Time) bool {
	norm := strings.Join(strings.Fields(message), " ")
	for _, p := range g.s.Posts(ferry.Facebook, page) {
		if !p.Deleted && len(p.Media) == 0 && now.Sub(p.ReceivedAt) < fbDuplicateSpan && strings.Join(strings.Fields(p.Text), " ") == norm {
			return true
		}
	}
	return false
}

func (g *graphAPI) postPhoto(req *graphRequest, who principal, page string) (any, *graphError) {
	if gerr := g.requirePageToken(who, page); gerr != nil {
		return nil, gerr
	}
	p := req.params
	var media string
	if fhs := req.files["source"]; len(fhs) > 0 {
		desc, gerr := photoDigest(fhs[0])
		if gerr != nil {
			return nil, gerr
		}
		media = desc
	} else if u := p.Get("url"); u != "" {
		if pu, err := url.Parse(u); err != nil || !pu.IsAbs() {
			return nil, errInvalid("Param url must be a valid URL")
		}
		media = u
	} else {
		return nil, &graphError{Status: 400, Code: 324, Type: "OAuthException", Message: "(#324) Requires upload file"}
	}
	caption := p.Get("caption")
	if caption == "" {
		caption = p.Get("message")
	}
	now := g.s.now().UTC()
	alt := p.Get("alt_text_custom")
	photo := &fbPhoto{ID: strconv.FormatInt(130000000000000+g.s.nextID(), 10), Page: page, Media: media, AltText: alt, Published: p.Get("published") != "false", Created: now}
	if !photo.Published {
		g.mu.Lock()
		g.photos[photo.ID] = photo
		g.mu.Unlock()
		return map[string]any{"id": photo.ID}, nil
	}
	if gerr := g.pageLimit(page); gerr != nil {
		return nil, gerr
	}
	post := &fbPost{ID: g.newPostID(page), Page: page, Message: caption, Photos: []string{photo.ID}, Created: now}
	photo.AttachedTo = post.ID
	g.mu.Lock()
	g.photos[photo.ID] = photo
	g.posts[post.ID] = post
	g.mu.Unlock()
	g.s.record(Post{Platform: ferry.Facebook, Target: page, RemoteID: post.ID, Text: caption, Media: []string{media}, AltText: []string{alt}})
	return map[string]any{"id": photo.ID, "post_id": post.ID}, nil
}

// photoDigest checks an uploaded photo and names it by its hash.
func photoDigest(fh *multipart.FileHeader) (string, *graphError) {
	if fh.Size > fbPhotoMaxBytes {
		return "", errInvalid("The photo is larger than %d bytes", fbPhotoMaxBytes)
	}
	f, err := fh.Open()
	if err != nil {
		return "", errInvalid("The uploaded file could not be read")
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if n == 0 {
		return "", &graphError{Status: 400, Code: 324, Type: "OAuthException", Message: "(#324) Requires upload file"}
	}
	if !strings.HasPrefix(http.DetectContentType(head[:n]), "image/") {
		return "", &graphError{Status: 400, Code: 324, Type: "OAuthException", Message: "(#324) Missing or invalid image file"}
	}
	h := sha256.New()
	h.Write(head[:n])
	_, _ = io.Copy(h, f)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func (g *graphAPI) photoNode(id string) any {
	g.mu.Lock()
	defer g.mu.Unlock()
	ph := g.photos[id]
	return map[string]any{"id": ph.ID, "created_time": graphTime(ph.Created)}
}

// livePosts returns the page's posts that exist (recorded, not deleted),
// newest first. The record is the truth: resetting it empties the page.
func (g *graphAPI) livePosts(page string) []*fbPost {
	recorded := g.s.Posts(ferry.Facebook, page)
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*fbPost
	for i := len(recorded) - 1; i >= 0; i-- {
		if p := g.posts[recorded[i].RemoteID]; p != nil && !recorded[i].Deleted {
			out = append(out, p)
		}
	}
	return out
}

func (g *graphAPI) findPost(id string) *fbPost {
	page, _, _ := strings.Cut(id, "_")
	for _, p := range g.livePosts(page) {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (g *graphAPI) listPosts(req *graphRequest, page string) (any, *graphError) {
	fields, gerr := parsePostFields(req.params.Get("fields"))
	if gerr != nil {
		return nil, gerr
	}
	since, gerr := timeParam(req.params, "since")
	if gerr != nil {
		return nil, gerr
	}
	until, gerr := timeParam(req.params, "until")
	if gerr != nil {
		return nil, gerr
	}
	var items []map[string]any
	for _, p := range g.livePosts(page) {
		if (!since.IsZero() && p.Created.Before(since)) || (!until.IsZero() && p.Created.After(until)) {
			continue
		}
		items = append(items, g.renderPost(p, fields))
	}
	return pageOf(req, items)
}

func timeParam(p url.Values, name string) (time.Time, *graphError) {
	v := p.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errInvalid("Param %s must be a unix timestamp or a date", name)
}

var postFieldNames = []string{"id", "message", "created_time", "updated_time", "permalink_url", "status_type", "is_published", "full_picture", "shares", "reactions", "comments", "insights", "from"}

func parsePostFields(s string) ([]graphField, *graphError) {
	return parseFieldList(s, "id,message,created_time", postFieldNames, "Post")
}

func (g *graphAPI) routePost(req *graphRequest, who principal, id, edge string) (any, *graphError) {
	p := g.findPost(id)
	if p == nil {
		return nil, errNoObject(req.method, id)
	}
	switch {
	case req.method == http.MethodGet && edge == "":
		fields, gerr := parsePostFields(req.params.Get("fields"))
		if gerr != nil {
			return nil, gerr
		}
		return g.renderPost(p, fields), nil
	case req.method == http.MethodGet && edge == "insights":
		return g.postInsights(p, strings.Split(req.params.Get("metric"), ","))
	case req.method == http.MethodDelete && edge == "":
		if gerr := g.requirePageToken(who, p.Page); gerr != nil {
			return nil, gerr
		}
		g.markDeleted(ferry.Facebook, p.Page, p.ID)
		return map[string]any{"success": true}, nil
	case edge != "":
		return nil, errNoField(edge, "Post")
	}
	return nil, errNoObject(req.method, id)
}

// markDeleted flags a recorded post as deleted.
func (g *graphAPI) markDeleted(pl ferry.Platform, target, id string) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	for i := range g.s.posts {
		q := &g.s.posts[i]
		if q.Platform == pl && q.Target == target && q.RemoteID == id {
			q.Deleted = true
		}
	}
}

func (g *graphAPI) engagementOf(key string, followers int64, created time.Time) graphCounts {
	return graphEngagement(key, followers, g.s.now().Sub(created))
}

func (g *graphAPI) renderPost(p *fbPost, fields []graphField) map[string]any {
	e := g.engagementOf(p.ID, simulatedFollowers("facebook:page:"+p.Page, g.s.now()), p.Created)
	m := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			m["id"] = p.ID
		case "message":
			if p.Message != "" {
				m["message"] = p.Message
			}
		case "created_time", "updated_time":
			m[f.name] = graphTime(p.Created)
		case "permalink_url":
			page, post, _ := strings.Cut(p.ID, "_")
			m["permalink_url"] = "https://www.facebook.com/" + page + "/posts/" + post
		case "status_type":
			if len(p.Photos) > 0 {
				m["status_type"] = "added_photos"
			} else {
				m["status_type"] = "mobile_status_update"
			}
		case "is_published":
			m["is_published"] = true
		case "full_picture":
			if len(p.Photos) > 0 {
				m["full_picture"] = "https://scontent.sandbox.invalid/" + p.Photos[0] + ".jpg"
			}
		case "from":
			m["from"] = map[string]string{"id": p.Page, "name": pageName(p.Page)}
		case "shares":
			// Facebook leaves shares out when there are none.
			if e.shares > 0 {
				m["shares"] = map[string]int64{"count": e.shares}
			}
		case "reactions":
			m["reactions"] = edgeSummary(f, map[string]any{"total_count": e.likes, "viewer_reaction": "NONE"})
		case "comments":
			m["comments"] = edgeSummary(f, map[string]any{"order": "ranked", "total_count": e.comments, "can_comment": true})
		case "insights":
			if ins, gerr := g.postInsights(p, strings.Split(f.args["metric"], ",")); gerr == nil {
				m["insights"] = ins
			}
		}
	}
	return m
}

// edgeSummary renders a connection asked for with .summary(...): no items
// (the sandbox has no people to list), and the counts when asked.
func edgeSummary(f graphField, summary map[string]any) map[string]any {
	out := map[string]any{"data": []any{}}
	if _, ok := f.args["summary"]; ok {
		out["summary"] = summary
	}
	return out
}

var fbPostMetrics = []string{"post_media_view", "post_total_media_view_unique", "post_reactions_by_type_total", "post_clicks"}

func (g *graphAPI) postInsights(p *fbPost, metrics []string) (any, *graphError) {
	e := g.engagementOf(p.ID, simulatedFollowers("facebook:page:"+p.Page, g.s.now()), p.Created)
	var data []map[string]any
	for i, name := range metrics {
		var v any
		switch name {
		case "post_media_view":
			v = e.views
		case "post_total_media_view_unique":
			v = e.reach
		case "post_reactions_by_type_total":
			v = map[string]int64{"like": e.likes * 4 / 5, "love": e.likes - e.likes*4/5}
		case "post_clicks":
			v = e.reach / 20
		default:
			return nil, errInvalid("metric[%d] must be one of the following values: %s", i, strings.Join(fbPostMetrics, ", "))
		}
		data = append(data, insight(p.ID, name, "lifetime", v))
	}
	return map[string]any{"data": data}, nil
}

func insight(id, name, period string, v any) map[string]any {
	return map[string]any{
		"name": name, "period": period, "values": []map[string]any{{"value": v}},
		"title": name, "description": "Sandbox metric " + name, "id": id + "/insights/" + name + "/" + period,
	}
}

// ----- Instagram -----

// igPageOf returns the page an Instagram account is linked to.
func igPageOf(user string) string { return strings.TrimPrefix(user, igUserPrefix) }

// requireInstagram allows the account's own token, its page's token and
// user tokens.
func requireInstagram(who principal, user string) *graphError {
	switch {
	case who.kind == "instagram" && who.id == user,
		who.kind == "page" && InstagramUserOf(who.id) == user,
		who.kind == "user":
		return nil
	}
	return errPermission("Application does not have permission for this action")
}

func (g *graphAPI) routeIGUser(req *graphRequest, who principal, user, edge string) (any, *graphError) {
	if gerr := requireInstagram(who, user); gerr != nil {
		return nil, gerr
	}
	switch {
	case req.method == http.MethodGet && edge == "":
		return g.igUserNode(req, user)
	case req.method == http.MethodPost && edge == "media":
		return g.createContainer(req, user)
	case req.method == http.MethodGet && edge == "media":
		return g.listMedia(req, user)
	case req.method == http.MethodPost && edge == "media_publish":
		return g.publishContainer(req, user)
	case req.method == http.MethodGet && edge == "content_publishing_limit":
		return g.publishingLimit(req, user)
	case edge != "":
		return nil, errNoField(edge, "IGUser")
	}
	return nil, errNoObject(req.method, user)
}

func igUsername(user string) string { return "sandbox_" + user[max(0, len(user)-6):] }

func (g *graphAPI) igUserNode(req *graphRequest, user string) (any, *graphError) {
	fields, gerr := parseFieldList(req.params.Get("fields"), "id", []string{"id", "ig_id", "username", "name", "biography", "followers_count", "follows_count", "media_count", "profile_picture_url", "website", "business_discovery"}, "IGUser")
	if gerr != nil {
		return nil, gerr
	}
	m := map[string]any{}
	for _, f := range fields {
		if f.name == "business_discovery" {
			bd, gerr := g.businessDiscovery(f)
			if gerr != nil {
				return nil, gerr
			}
			m["business_discovery"] = bd
			continue
		}
		g.igUserField(m, user, f.name)
	}
	return m, nil
}

func (g *graphAPI) igUserField(m map[string]any, user, name string) {
	switch name {
	case "id":
		m["id"] = user
	case "ig_id":
		m["ig_id"] = graphHash(user) % 10_000_000_000
	case "username":
		m["username"] = igUsername(user)
	case "name":
		m["name"] = pageName(igPageOf(user))
	case "biography":
		m["biography"] = "An Instagram account emulated by Ferry's sandbox."
	case "followers_count":
		m["followers_count"] = simulatedFollowers("instagram:user:"+user, g.s.now())
	case "follows_count":
		m["follows_count"] = 50 + int64(graphHash(user)%400)
	case "media_count":
		m["media_count"] = 12 + int64(graphHash(user)%90) + int64(len(g.liveMedia(user)))
	case "profile_picture_url":
		m["profile_picture_url"] = "https://scontent.sandbox.invalid/" + user + ".jpg"
	case "website":
		m["website"] = "https://example.org/"
	}
}

// businessDiscovery answers business_discovery.username(name){fields}: any
// username is a professional account in the sandbox.
func (g *graphAPI) businessDiscovery(f graphField) (any, *graphError) {
	name := f.args["username"]
	if name == "" {
		return nil, errInvalid("Param username is required for business_discovery")
	}
	sub, gerr := parseFieldList(f.sub, "id", []string{"id", "username", "name", "biography", "followers_count", "follows_count", "media_count", "profile_picture_url", "website"}, "IGUser")
	if gerr != nil {
		return nil, gerr
	}
	if missingHandle(name) {
		return nil, &graphError{Status: 400, Code: 110, Subcode: 2207013, Type: "OAuthException", Message: "Invalid user id",
			UserTitle: "Cannot find User", UserMsg: "The user with username: " + name + " cannot be found."}
	}
	peer := igUserPrefix + strconv.FormatUint(graphHash(name)%1_000_000_000_000, 10)
	m := map[string]any{}
	for _, sf := range sub {
		g.igUserField(m, peer, sf.name)
	}
	if _, ok := m["username"]; ok {
		m["username"] = name
	}
	if _, ok := m["media_count"]; ok {
		m["media_count"] = simulatedPosts("instagram:"+name, g.s.now())
	}
	if _, ok := m["name"]; ok {
		m["name"] = name
	}
	return m, nil
}

func (g *graphAPI) createContainer(req *graphRequest, user string) (any, *graphError) {
	p := req.params
	c := &igContainer{User: user, Caption: p.Get("caption"), CarouselItem: p.Get("is_carousel_item") == "true", Created: g.s.now()}
	switch mt := strings.ToUpper(p.Get("media_type")); mt {
	case "", "IMAGE":
		c.MediaType = "IMAGE"
		raw := p.Get("image_url")
		u, err := url.Parse(raw)
		if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errIG(9004, 2207052, "Media download has failed.", "The media could not be fetched from this uri: "+raw)
		}
		c.ImageURL = raw
		c.AltText = p.Get("alt_text")
		c.FailSubcode = g.checkImage(u)
	case "CAROUSEL":
		if c.CarouselItem {
			return nil, errIG(100, 2207028, "Carousel validation failed", "A carousel cannot be an item of another carousel.")
		}
		c.MediaType = "CAROUSEL"
		if gerr := g.adoptChildren(c, user, p.Get("children")); gerr != nil {
			return nil, gerr
		}
	default:
		return nil, errInvalid("The sandbox emulates IMAGE and CAROUSEL containers only, not %s", mt)
	}
	if gerr := checkCaption(c.Caption); gerr != nil {
		return nil, gerr
	}
	c.ID = fmt.Sprintf("179%014d", g.s.nextID())
	g.mu.Lock()
	g.containers[c.ID] = c
	for _, ch := range c.Children {
		g.containers[ch].UsedBy = c.ID
	}
	g.mu.Unlock()
	return map[string]any{"id": c.ID}, nil
}

func checkCaption(caption string) *graphError {
	switch {
	case utf8.RuneCountInString(caption) > igCaptionMax:
		return errIG(100, 2207010, "Caption too long", fmt.Sprintf("The caption is longer than %d characters.", igCaptionMax))
	case len(igHashtagRE.FindAllString(caption, -1)) > igHashtagMax:
		return errIG(100, 2207010, "Too many hashtags", fmt.Sprintf("The caption has more than %d hashtags.", igHashtagMax))
	case len(igMentionRE.FindAllString(caption, -1)) > igMentionMax:
		return errIG(100, 2207010, "Too many mentions", fmt.Sprintf("The caption has more than %d @-mentions.", igMentionMax))
	}
	return nil
}

// adoptChildren checks a carousel's children: 2–10 finished carousel items
// of the same account, not used by another carousel.
func (g *graphAPI) adoptChildren(c *igContainer, user, list string) *graphError {
	var ids []string
	for _, id := range strings.Split(list, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) < igCarouselMin || len(ids) > igCarouselMax {
		return errIG(100, 2207028, "Carousel validation failed", fmt.Sprintf("A carousel needs %d to %d children; got %d.", igCarouselMin, igCarouselMax, len(ids)))
	}
	now := g.s.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		ch := g.containers[id]
		if ch == nil || ch.User != user || !ch.CarouselItem || ch.UsedBy != "" {
			return errIG(100, 2207028, "Carousel validation failed", fmt.Sprintf("Child %s is not an unused carousel item of this account.", id))
		}
		switch g.statusLocked(ch, now) {
		case "IN_PROGRESS":
			return errIG(9007, 2207027, "Media ID is not available", "The media is not ready for publishing, please wait for a moment")
		case "FINISHED":
		default:
			return errIG(100, 2207028, "Carousel validation failed", fmt.Sprintf("Child %s cannot be used (%s).", id, g.statusLocked(ch, now)))
		}
	}
	c.Children = ids
	for _, id := range ids {
		c.ImageURL += g.containers[id].ImageURL + " "
	}
	c.ImageURL = strings.TrimSpace(c.ImageURL)
	return nil
}

// checkImage fetches image_url when it is on a loopback host (the only
// network the sandbox has) and returns the subcode the container will fail
// with, or 0. Other hosts are assumed to serve a good image.
func (g *graphAPI) checkImage(u *url.URL) int {
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0
	}
	resp, err := g.fetch.Get(u.String())
	if err != nil {
		return 2207052
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 2207052
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	rest, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, igImageMaxBytes+1))
	switch {
	case http.DetectContentType(head[:n]) != "image/jpeg":
		return 2207005 // Instagram accepts JPEG only.
	case int64(n)+rest > igImageMaxBytes:
		return 2207004
	}
	return 0
}

// statusLocked is a container's status_code now. g.mu must be held.
func (g *graphAPI) statusLocked(c *igContainer, now time.Time) string {
	age := now.Sub(c.Created)
	switch {
	case c.MediaID != "":
		return "PUBLISHED"
	case age >= igContainerLife:
		return "EXPIRED"
	case age < g.processing:
		return "IN_PROGRESS"
	case c.FailSubcode != 0:
		return "ERROR"
	}
	return "FINISHED"
}

func (g *graphAPI) containerNode(req *graphRequest, who principal, id string) (any, *graphError) {
	fields, gerr := parseFieldList(req.params.Get("fields"), "id", []string{"id", "status_code", "status", "copyright_check_status"}, "IGContainer")
	if gerr != nil {
		return nil, gerr
	}
	now := g.s.now()
	g.mu.Lock()
	c := g.containers[id]
	status := g.statusLocked(c, now)
	fail := c.FailSubcode
	g.mu.Unlock()
	if gerr := requireInstagram(who, c.User); gerr != nil {
		return nil, gerr
	}
	m := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			m["id"] = id
		case "status_code":
			m["status_code"] = status
		case "status":
			if status == "ERROR" {
				m["status"] = fmt.Sprintf("Error: Media upload has failed with error code %d", fail)
			} else {
				m["status"] = status
			}
		case "copyright_check_status":
			m["copyright_check_status"] = map[string]any{"status": "completed", "matches_found": false}
		}
	}
	return m, nil
}

func (g *graphAPI) publishContainer(req *graphRequest, user string) (any, *graphError) {
	id := req.params.Get("creation_id")
	if id == "" {
		return nil, errInvalid("The parameter creation_id is required.")
	}
	now := g.s.now()
	g.mu.Lock()
	c := g.containers[id]
	if c == nil || c.User != user {
		g.mu.Unlock()
		return nil, errIG(24, 2207006, "Media not found", fmt.Sprintf("The media with id %s cannot be found.", id))
	}
	if c.CarouselItem {
		g.mu.Unlock()
		return nil, errIG(100, 2207028, "Carousel validation failed", "A carousel item cannot be published on its own; publish its carousel.")
	}
	switch g.statusLocked(c, now) {
	case "IN_PROGRESS":
		g.mu.Unlock()
		return nil, errIG(9007, 2207027, "Media ID is not available", "The media is not ready for publishing, please wait for a moment")
	case "ERROR":
		g.mu.Unlock()
		return nil, errIG(9004, c.FailSubcode, "Media upload has failed", fmt.Sprintf("Media upload has failed with error code %d", c.FailSubcode))
	case "EXPIRED":
		g.mu.Unlock()
		return nil, errIG(-2, 2207020, "Media expired", "The media you are trying to access has expired. Please try to upload again.")
	case "PUBLISHED":
		// The builder is consumed once published.
		g.mu.Unlock()
		return nil, errIG(24, 2207008, "Media builder expired", "The media builder does not exist or has expired.")
	}
	// FINISHED: count against the quota and publish, atomically for this
	// container so that it can never be published twice.
	if ok, _ := g.s.allow("instagram:user:"+user, igQuota, igQuotaWindow); !ok {
		g.mu.Unlock()
		return nil, errIG(9, 2207042, "Reached maximum posts limit", "You reached maximum number of posts that is allowed to be published by Content Publishing API.")
	}
	m := &igMedia{ID: fmt.Sprintf("180%014d", g.s.nextID()), User: user, Caption: c.Caption, Created: now.UTC()}
	m.Shortcode = shortcode(m.ID)
	if c.MediaType == "CAROUSEL" {
		m.MediaType = "CAROUSEL_ALBUM"
		m.Children = c.Children
		for _, ch := range c.Children {
			m.URLs = append(m.URLs, g.containers[ch].ImageURL)
			m.AltText = append(m.AltText, g.containers[ch].AltText)
		}
	} else {
		m.MediaType = "IMAGE"
		m.URLs, m.AltText = []string{c.ImageURL}, []string{c.AltText}
	}
	c.MediaID = m.ID
	g.media[m.ID] = m
	g.mu.Unlock()
	g.s.record(Post{Platform: ferry.Instagram, Target: user, RemoteID: m.ID, Text: m.Caption, Media: slices.Clone(m.URLs), AltText: slices.Clone(m.AltText)})
	return map[string]any{"id": m.ID}, nil
}

const shortcodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// shortcode derives a permalink code (as in instagram.com/p/<code>/).
func shortcode(id string) string {
	n := graphHash(id)
	b := make([]byte, 11)
	for i := range b {
		b[i] = shortcodeAlphabet[n%64]
		n /= 64
		if n == 0 {
			n = graphHash(id + strconv.Itoa(i))
		}
	}
	return string(b)
}

func (g *graphAPI) publishingLimit(req *graphRequest, user string) (any, *graphError) {
	fields, gerr := parseFieldList(req.params.Get("fields"), "quota_usage", []string{"quota_usage", "config"}, "ContentPublishingLimit")
	if gerr != nil {
		return nil, gerr
	}
	now := g.s.now()
	g.s.mu.Lock()
	used := 0
	for _, t := range g.s.sent["instagram:user:"+user] {
		if now.Sub(t) < igQuotaWindow {
			used++
		}
	}
	g.s.mu.Unlock()
	m := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "quota_usage":
			m["quota_usage"] = used
		case "config":
			m["config"] = map[string]int{"quota_total": igQuota, "quota_duration": int(igQuotaWindow.Seconds())}
		}
	}
	return map[string]any{"data": []any{m}}, nil
}

// liveMedia returns the account's published media that exist, newest first.
func (g *graphAPI) liveMedia(user string) []*igMedia {
	recorded := g.s.Posts(ferry.Instagram, user)
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*igMedia
	for i := len(recorded) - 1; i >= 0; i-- {
		if m := g.media[recorded[i].RemoteID]; m != nil && !recorded[i].Deleted {
			out = append(out, m)
		}
	}
	return out
}

var mediaFieldNames = []string{"id", "ig_id", "caption", "timestamp", "permalink", "shortcode", "media_type", "media_product_type", "media_url", "thumbnail_url", "like_count", "comments_count", "username", "owner", "children", "is_comment_enabled", "insights"}

func (g *graphAPI) listMedia(req *graphRequest, user string) (any, *graphError) {
	fields, gerr := parseFieldList(req.params.Get("fields"), "id", mediaFieldNames, "IGMedia")
	if gerr != nil {
		return nil, gerr
	}
	var items []map[string]any
	for _, m := range g.liveMedia(user) {
		items = append(items, g.renderMedia(m, fields))
	}
	return pageOf(req, items)
}

func (g *graphAPI) routeMedia(req *graphRequest, who principal, id, edge string) (any, *graphError) {
	g.mu.Lock()
	m := g.media[id]
	g.mu.Unlock()
	if gerr := requireInstagram(who, m.User); gerr != nil {
		return nil, gerr
	}
	if !slices.ContainsFunc(g.liveMedia(m.User), func(x *igMedia) bool { return x.ID == id }) {
		return nil, errNoObject(req.method, id)
	}
	switch {
	case req.method == http.MethodGet && edge == "":
		fields, gerr := parseFieldList(req.params.Get("fields"), "id", mediaFieldNames, "IGMedia")
		if gerr != nil {
			return nil, gerr
		}
		return g.renderMedia(m, fields), nil
	case req.method == http.MethodGet && edge == "insights":
		return g.mediaInsights(m, strings.Split(req.params.Get("metric"), ","))
	case edge != "":
		return nil, errNoField(edge, "IGMedia")
	}
	return nil, errNoObject(req.method, id)
}

func (g *graphAPI) renderMedia(m *igMedia, fields []graphField) map[string]any {
	e := g.engagementOf(m.ID, simulatedFollowers("instagram:user:"+m.User, g.s.now()), m.Created)
	out := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			out["id"] = m.ID
		case "ig_id":
			out["ig_id"] = strconv.FormatUint(graphHash(m.ID), 10)
		case "caption":
			if m.Caption != "" {
				out["caption"] = m.Caption
			}
		case "timestamp":
			out["timestamp"] = graphTime(m.Created)
		case "permalink":
			out["permalink"] = "https://www.instagram.com/p/" + m.Shortcode + "/"
		case "shortcode":
			out["shortcode"] = m.Shortcode
		case "media_type":
			out["media_type"] = m.MediaType
		case "media_product_type":
			out["media_product_type"] = "FEED"
		case "media_url", "thumbnail_url":
			if len(m.URLs) > 0 {
				out[f.name] = m.URLs[0]
			}
		case "like_count":
			out["like_count"] = e.likes
		case "comments_count":
			out["comments_count"] = e.comments
		case "username":
			out["username"] = igUsername(m.User)
		case "owner":
			out["owner"] = map[string]string{"id": m.User}
		case "is_comment_enabled":
			out["is_comment_enabled"] = true
		case "children":
			if len(m.Children) > 0 {
				var data []map[string]string
				for _, ch := range m.Children {
					data = append(data, map[string]string{"id": ch})
				}
				out["children"] = map[string]any{"data": data}
			}
		case "insights":
			if ins, gerr := g.mediaInsights(m, strings.Split(f.args["metric"], ",")); gerr == nil {
				out["insights"] = ins
			}
		}
	}
	return out
}

var igMediaMetrics = []string{"views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "profile_visits", "follows"}

func (g *graphAPI) mediaInsights(m *igMedia, metrics []string) (any, *graphError) {
	e := g.engagementOf(m.ID, simulatedFollowers("instagram:user:"+m.User, g.s.now()), m.Created)
	var data []map[string]any
	for i, name := range metrics {
		var v int64
		switch name {
		case "views":
			v = e.views
		case "reach":
			v = e.reach
		case "likes":
			v = e.likes
		case "comments":
			v = e.comments
		case "saved":
			v = e.saves
		case "shares":
			v = e.shares
		case "total_interactions":
			v = e.likes + e.comments + e.saves + e.shares
		case "profile_visits":
			v = e.reach / 40
		case "follows":
			v = e.reach / 200
		default:
			return nil, errInvalid("metric[%d] must be one of the following values: %s", i, strings.Join(igMediaMetrics, ", "))
		}
		data = append(data, insight(m.ID, name, "lifetime", v))
	}
	return map[string]any{"data": data}, nil
}

// ----- batches (GET /?ids=a,b&fields=…) -----

func (g *graphAPI) batch(req *graphRequest, who principal) (any, *graphError) {
	ids := strings.Split(req.params.Get("ids"), ",")
	if len(ids) > 50 {
		return nil, errInvalid("Too many IDs. Maximum: 50")
	}
	out := map[string]any{}
	var missing []string
	for _, id := range ids {
		sub := &graphRequest{r: req.r, method: http.MethodGet, nodes: []string{id}, params: url.Values{"fields": req.params["fields"]}, token: req.token}
		v, gerr := g.route(sub, who)
		switch {
		case gerr != nil && gerr.Code == 100 && gerr.Subcode == 33:
			missing = append(missing, id)
		case gerr != nil:
			return nil, gerr
		default:
			out[id] = v
		}
	}
	if len(missing) > 0 {
		return nil, errInvalid("Some of the aliases you requested do not exist: %s", strings.Join(missing, ","))
	}
	return out, nil
}

// ----- fields, paging, times -----

// graphField is one entry of a fields parameter:
// name.mod(arg).mod(arg){sub-fields}.
type graphField struct {
	name string
	args map[string]string
	sub  string
}

// parseFieldList parses a fields parameter (def when empty) and refuses
// fields the node type does not have, as the Graph API does.
func parseFieldList(s, def string, known []string, node string) ([]graphField, *graphError) {
	if strings.TrimSpace(s) == "" {
		s = def
	}
	var out []graphField
	for _, part := range splitTopLevel(s) {
		f := parseField(part)
		if f.name == "" {
			continue
		}
		if !slices.Contains(known, f.name) {
			return nil, errNoField(f.name, node)
		}
		out = append(out, f)
	}
	return out, nil
}

func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

func parseField(s string) graphField {
	f := graphField{args: map[string]string{}}
	if i := strings.IndexByte(s, '{'); i >= 0 && strings.HasSuffix(s, "}") {
		f.sub = s[i+1 : len(s)-1]
		s = s[:i]
	}
	name, mods, _ := strings.Cut(s, ".")
	f.name = strings.TrimSpace(name)
	// Modifiers are .name(arg); an argument may itself contain dots
	// (usernames do), so they are read up to their closing parenthesis.
	for mods != "" {
		mod, rest, ok := strings.Cut(mods, "(")
		if !ok {
			f.args[mod] = ""
			break
		}
		arg, after, _ := strings.Cut(rest, ")")
		f.args[mod] = arg
		mods = strings.TrimPrefix(after, ".")
	}
	return f
}

// pageOf cuts items into the page the request asks for (limit, after) and
// adds Graph paging: cursors, and a next link while more remain.
func pageOf(req *graphRequest, items []map[string]any) (any, *graphError) {
	limit := 25
	if v := req.params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, errInvalid("Param limit must be a positive integer")
		}
		limit = min(n, 100)
	}
	offset := 0
	if after := req.params.Get("after"); after != "" {
		b, err := base64.RawURLEncoding.DecodeString(after)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || err2 != nil || n < 0 {
			return nil, errInvalid("Invalid cursor")
		}
		offset = n
	}
	offset = min(offset, len(items))
	end := min(offset+limit, len(items))
	data := items[offset:end]
	if data == nil {
		data = []map[string]any{}
	}
	out := map[string]any{"data": data}
	if len(data) > 0 {
		cursor := func(n int) string { return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(n))) }
		paging := map[string]any{"cursors": map[string]string{"before": cursor(offset), "after": cursor(end)}}
		if end < len(items) {
			q := req.r.URL.Query()
			q.Set("after", cursor(end))
			q.Set("limit", strconv.Itoa(limit))
			path := req.r.URL.Path
			if u, err := url.ParseRequestURI(req.r.RequestURI); err == nil {
				path = u.Path // keeps the mount prefix StripPrefix removed
			}
			scheme := "http"
			if req.r.TLS != nil {
				scheme = "https"
			}
			paging["next"] = scheme + "://" + req.r.Host + path + "?" + q.Encode()
		}
		out["paging"] = paging
	}
	return out, nil
}

// graphTime writes a time as the Graph API does.
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }

// engagement is a post's simulated counts.
type graphCounts struct {
	views, reach, likes, comments, shares, saves int64
}

// graphEngagement returns counts that grow with a post's age toward a
// ceiling set by the account's followers, deterministically per post, so
// demo analytics look alive and repeated readings agree.
func graphEngagement(key string, followers int64, age time.Duration) graphCounts {
	h := graphHash(key)
	r := func(i uint) float64 { return float64((h>>(i*8))&0xff) / 255 }
	hours := max(age.Hours(), 0)
	grown := 1 - math.Exp(-hours/12)
	reach := float64(followers) * (0.08 + 0.15*r(0)) * grown
	likes := reach * (0.03 + 0.06*r(2))
	return graphCounts{
		reach:    int64(reach),
		views:    int64(reach * (1.2 + 0.8*r(1))),
		likes:    int64(likes),
		comments: int64(likes * (0.04 + 0.08*r(3))),
		shares:   int64(likes * (0.02 + 0.06*r(4))),
		saves:    int64(likes * (0.05 + 0.1*r(5))),
	}
}
