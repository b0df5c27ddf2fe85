package httpd

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientAddress_BelievesForwardedForOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.9:5000", "", "203.0.113.9"},
		{"203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},         // not from a proxy: ignored
		{"10.0.0.2:5000", "198.51.100.1", "198.51.100.1"},           // from a proxy
		{"10.0.0.2:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},  // the client's own claim is not believed
		{"10.0.0.2:5000", "198.51.100.1, 10.0.0.7", "198.51.100.1"}, // two proxies
		{"10.0.0.2:5000", "", "10.0.0.2"},
		{"10.0.0.2:5000", "garbage, 10.0.0.7", "10.0.0.7"},
		{"[::1]:5000", "2001:db8::5", "2001:db8::5"},
		{"[::ffff:203.0.113.9]:5000", "", "203.0.113.9"},
	} {
		var got netip.Addr
		h := ClientAddress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientAddr(r.Context()) }), trusted)
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		require.Equal(t, c.want, got.String(), "%+v", c)
	}
}
