package netguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/netguard"
)

func TestCheckAddr_RefusesTheServersOwnNetworks(t *testing.T) {
	t.Parallel()
	g := netguard.New()
	for addr, reason := range map[string]string{
		"127.0.0.1":              "loopback",
		"127.8.9.10":             "loopback",
		"::1":                    "loopback",
		"10.1.2.3":               "private",
		"172.16.0.1":             "private",
		"172.31.255.254":         "private",
		"192.168.1.1":            "private",
		"100.64.0.1":             "private",
		"fd00::1":                "private",
		"169.254.169.254":        "link_local",
		"fe80::1":                "link_local",
		"fe80::1%eth0":           "link_local",
		"224.0.0.1":              "multicast",
		"ff02::1":                "multicast",
		"0.0.0.0":                "unspecified",
		"::":                     "unspecified",
		"255.255.255.255":        "reserved",
		"192.0.2.7":              "reserved",
		"::ffff:127.0.0.1":       "loopback",   // IPv4-mapped
		"::ffff:169.254.169.254": "link_local", // IPv4-mapped
		"64:ff9b::a9fe:a9fe":     "link_local", // NAT64 of 169.254.169.254
		"64:ff9b::7f00:1":        "loopback",   // NAT64 of 127.0.0.1
	} {
		err := g.CheckAddr(netip.MustParseAddr(addr))
		var refused *netguard.Refused
		require.True(t, errors.As(err, &refused), "%s: %v", addr, err)
		require.Equal(t, reason, refused.Reason, addr)
	}
	for _, addr := range []string{"93.184.215.14", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "172.32.0.1", "::ffff:8.8.8.8"} {
		require.NoError(t, g.CheckAddr(netip.MustParseAddr(addr)), addr)
	}
}

func TestAllow_LetsTheListedRangesThrough(t *testing.T) {
	t.Parallel()
	allow, err := netguard.ParseAllow(" 127.0.0.1/32, 10.1.0.0/16,::1 ")
	require.NoError(t, err)
	g := netguard.New(allow...)
	require.NoError(t, g.CheckAddr(netip.MustParseAddr("127.0.0.1")))
	require.NoError(t, g.CheckAddr(netip.MustParseAddr("::ffff:127.0.0.1")))
	require.NoError(t, g.CheckAddr(netip.MustParseAddr("10.1.200.3")))
	require.NoError(t, g.CheckAddr(netip.MustParseAddr("::1")))
	require.Error(t, g.CheckAddr(netip.MustParseAddr("127.0.0.2")))
	require.Error(t, g.CheckAddr(netip.MustParseAddr("10.2.0.1")))
	_, err = netguard.ParseAllow("127.0.0.1,localhost")
	require.ErrorContains(t, err, `"localhost" is neither an IP address nor a CIDR range`)
}

func TestCheck_JudgesAURLWhenSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := netguard.New()
	for _, u := range []string{"ftp://example.org/x", "/relative", "https://user:pw@example.org/", "http://"} {
		require.ErrorIs(t, g.Check(ctx, u), netguard.ErrURL, u)
	}
	for u, reason := range map[string]string{
		"http://127.0.0.1:8080/internal-admin":     "loopback",
		"https://169.254.169.254/latest/meta-data": "link_local",
		"http://[::1]/":             "loopback",
		"http://[::ffff:10.0.0.1]/": "private",
		"http://localhost:9/":       "loopback", // a name that resolves inside
	} {
		var refused *netguard.Refused
		require.True(t, errors.As(g.Check(ctx, u), &refused), u)
		require.Equal(t, reason, refused.Reason, u)
	}
	require.NoError(t, g.Check(ctx, "https://93.184.215.14/hook"))
}

// The guard judges the address connected to, not the URL: a name that
// resolves to loopback is refused at dial time, whatever it resolved to
// when it was saved (DNS rebinding).
func TestClient_RefusesAtDialTime(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	c := netguard.New().Client(5 * time.Second)
	for _, u := range []string{srv.URL, "http://localhost:" + srv.URL[len("http://127.0.0.1:"):]} {
		_, err := c.Get(u)
		var refused *netguard.Refused
		require.True(t, errors.As(err, &refused), "%s: %v", u, err)
		require.Equal(t, "loopback", refused.Reason)
	}
	require.Zero(t, hits.Load())

	allowed := netguard.New(netip.MustParsePrefix("127.0.0.1/32")).Client(5 * time.Second)
	resp, err := allowed.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.EqualValues(t, 1, hits.Load())
}

// Environment proxies are not used: a proxy would connect on the guard's
// behalf, out of its sight.
func TestClient_IgnoresProxiesFromTheEnvironment(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	c := netguard.New().Client(time.Second)
	tr := c.Transport.(*http.Transport)
	require.Nil(t, tr.Proxy)
}
