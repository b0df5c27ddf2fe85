package api

import (
	"html/template"
	"log/slog"
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

// OAuthCallback handles GET /oauth/{platform}/callback, where a platform
// sends the browser back after the person signed in (or refused). It is
// authenticated by the signed, single-use state alone, and answers with a
// small HTML page saying what was connected or why nothing was. The code
// and state are never logged or shown.
func OAuthCallback(svc *service.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		cb := service.ConnectionCallback{
			Platform: ferry.Platform(r.PathValue("platform")),
			Code:     q.Get("code"), State: q.Get("state"),
			Error: q.Get("error"), Description: q.Get("error_description"),
		}
		if cb.Error == "" && q.Get("error_code") != "" && cb.Code == "" {
			cb.Error = "error_code " + q.Get("error_code")
		}
		res, err := svc.CompleteConnection(r.Context(), cb)
		page := callbackPage{Platform: string(cb.Platform), Result: res}
		status := http.StatusOK
		if err != nil {
			code := ferry.ErrorCode(err)
			status = httpd.Status(code)
			page.Error = ferry.ErrorMessage(err)
			if status >= 500 {
				log.Error("oauth callback failed", "platform", cb.Platform, "error", err)
			} else {
				log.Info("oauth callback refused", "platform", cb.Platform, "code", code)
			}
		} else {
			ids := make([]string, 0, len(res.Accounts))
			for _, a := range res.Accounts {
				ids = append(ids, a.Account.ID)
			}
			log.Info("oauth connection completed", "platform", cb.Platform, "workspace", firstWorkspace(res), "accounts", ids, "skipped", len(res.Skipped))
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		// The URL carries the code and state: nothing on the page may send
		// it elsewhere as a referrer, and the page loads nothing.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		if err := callbackTemplate.Execute(w, page); err != nil {
			log.Error("oauth callback page", "error", err)
		}
	})
}

func firstWorkspace(res *service.ConnectionResult) string {
	if len(res.Accounts) == 0 {
		return ""
	}
	return res.Accounts[0].Account.WorkspaceID
}

type callbackPage struct {
	Platform string
	Result   *service.ConnectionResult
	Error    string
}

var callbackTemplate = template.Must(template.New("callback").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Error}}Not connected{{else}}Connected{{end}} · Ferry</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; }
.error { border-left: 4px solid #b3261e; padding: .5rem 1rem; background: #fdecea; }
.warning { color: #7a4a00; }
li { margin: .5rem 0; }
code { font-size: .9em; }
</style>
</head>
<body>
{{if .Error}}
<h1>Nothing was connected</h1>
<p class="error" id="error">{{.Error}}</p>
{{else}}
<h1>Connected</h1>
<ul id="accounts">
{{range .Result.Accounts}}<li data-account="{{.Account.ID}}"><strong>{{.Account.Name}}</strong> ({{.Account.Platform}} {{.Account.ExternalID}}): {{if .Reconnected}}reconnected{{if .Resumed}}; {{.Resumed}} waiting publication(s) resumed{{end}}{{else}}connected{{end}} as <code>{{.Account.ID}}</code>.
{{if eq .Needs "link_url"}}<br><span class="warning">Weibo only accepts posts that carry a link to your app's registered safe domain: set one with <code>PATCH /api/v1/accounts/{{.Account.ID}} {"settings":{"link_url":"https://your-domain/…"}}</code> before publishing.</span>{{end}}</li>
{{end}}</ul>
{{if .Result.Skipped}}<h2>Not connected</h2>
<ul id="skipped">
{{range .Result.Skipped}}<li>{{.Name}} ({{.Platform}} {{.ExternalID}}): {{.Reason}}</li>
{{end}}</ul>{{end}}
{{end}}
<p>You can close this page.</p>
</body>
</html>
`))
