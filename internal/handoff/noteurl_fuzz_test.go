package handoff_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/handoff"
)

// FuzzNoteURL: any input, a URL or the app's share text, is refused with
// an invalid-input error or gives an https address on xiaohongshu.com or
// xhslink.com without user, port or fragment, that NoteURL accepts again
// unchanged (idempotent), with the note's id inside it.
func FuzzNoteURL(f *testing.F) {
	for _, s := range []string{
		"https://www.xiaohongshu.com/explore/66a1b2c3d4e5f6a7b8c9d0e1",
		"http://xiaohongshu.com/discovery/item/66a1b2c3d4e5f6a7b8c9d0e1?xsec_token=abc#frag",
		"https://xhslink.com/a/AbC123",
		"【中秋快樂】维港烟花 http://xhslink.com/a/xyz，复制本条信息，打开【小红书】App查看精彩内容！",
		"xiaohongshu.com/explore/abcdef",
		"https://user@xhslink.com/a/b", "https://xhslink.com:8443/a/b", "javascript:alert(1)", "https://evil.example/explore/66a1b2c3d4e5f6a7b8c9d0e1",
		"", " ", "https://xhslink.com/", "http://xhslink.com/a/\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		norm, id, err := handoff.NoteURL(raw)
		if err != nil {
			if ferry.ErrorCode(err) != ferry.EINVALID {
				t.Fatalf("%q: %v is not an invalid-input error", raw, err)
			}
			return
		}
		u, perr := url.Parse(norm)
		if perr != nil {
			t.Fatalf("%q gave %q, which does not parse: %v", raw, norm, perr)
		}
		if u.Scheme != "https" || u.User != nil || u.Port() != "" || u.Fragment != "" {
			t.Fatalf("%q gave %q", raw, norm)
		}
		if h := u.Hostname(); h != "www.xiaohongshu.com" && h != "xhslink.com" && h != "www.xhslink.com" {
			t.Fatalf("%q gave host %q", raw, h)
		}
		if id != "" && !strings.Contains(norm, id) {
			t.Fatalf("%q: id %q is not in %q", raw, id, norm)
		}
		norm2, id2, err := handoff.NoteURL(norm)
		if err != nil || norm2 != norm || id2 != id {
			t.Fatalf("%q gave %q (%q), which gives %q (%q), %v", raw, norm, id, norm2, id2, err)
		}
	})
}
