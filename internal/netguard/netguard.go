// Package netguard is the one HTTP client Ferry uses for URLs a person
// gave it (webhooks, today). It refuses to connect to the server's own
// networks: loopback, private, link-local (the cloud metadata address
// 169.254.169.254 among them), carrier-grade NAT, multicast, unspecified
// and reserved addresses, IPv4 and IPv6 alike, IPv4-mapped IPv6 and NAT64
// (64:ff9b::/96) addresses judged by the IPv4 address inside them.
//
// The check runs at dial time, on the address actually connected to (in
// net.Dialer.Control), so a name that resolves to a public address when a
// URL is saved and to 127.0.0.1 when it is used (DNS rebinding) is still
// refused. Check does the same judgement when a URL is saved, so that a
// person hears about it then. An explicit allow-list (FERRY_OUTBOUND_ALLOW)
// lets tests and the sandbox reach addresses the guard would refuse.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// blocked are the ranges refused, each with the reason given. Order
// matters only for the reason: the first match names it.
var blocked = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "private"}, // carrier-grade NAT
	{netip.MustParsePrefix("169.254.0.0/16"), "link_local"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // 255.255.255.255 among them
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link_local"},
	{netip.MustParsePrefix("fec0::/10"), "private"}, // deprecated site-local
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
	{netip.MustParsePrefix("100::/64"), "reserved"}, // discard-only
	{netip.MustParsePrefix("2001:db8::/32"), "reserved"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4
// address, judged as such.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Refused is the error for an address the guard will not connect to.
type Refused struct {
	Addr   netip.Addr
	Reason string // "loopback", "private", "link_local", "multicast", "unspecified", "reserved"
}

func (e *Refused) Error() string {
	return fmt.Sprintf("netguard: %s is a %s address; Ferry does not send requests there (FERRY_OUTBOUND_ALLOW can allow it)", e.Addr, strings.ReplaceAll(e.Reason, "_", "-"))
}

// Guard decides which addresses outbound requests may reach.
type Guard struct {
	allow []netip.Prefix
}

// New returns a guard that also allows the given ranges.
func New(allow ...netip.Prefix) *Guard {
	return &Guard{allow: allow}
}

// ParseAllow reads an allow-list as written in FERRY_OUTBOUND_ALLOW:
// comma-separated addresses or CIDR ranges ("127.0.0.1/32,10.1.0.0/16").
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Allow adds ranges to the allow-list; use it while wiring, before the
// guard is in use.
func (g *Guard) Allow(p ...netip.Prefix) { g.allow = append(g.allow, p...) }

// CheckAddr returns a *Refused for an address the guard refuses, or nil.
func (g *Guard) CheckAddr(a netip.Addr) error {
	a = a.WithZone("")
	for _, p := range g.allow {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return nil
		}
	}
	judged := a.Unmap()
	if nat64.Contains(judged) {
		b := judged.As16()
		judged = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	for _, b := range blocked {
		if b.prefix.Contains(judged) {
			return &Refused{Addr: a, Reason: b.reason}
		}
	}
	return nil
}

// ErrURL is wrapped by Check for a URL that is not an absolute http(s) URL
// without credentials.
var ErrURL = errors.New("netguard: not an absolute http(s) URL without credentials")

// Check judges a URL when it is saved: it must be an absolute http(s) URL
// without credentials, and its host must not be, or resolve to, an
// address the guard refuses (a *Refused). A name that does not resolve
// now passes: the dial-time check still stands when the URL is used.
func (g *Guard) Check(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ErrURL
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(a)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := g.CheckAddr(a); err != nil {
			return err
		}
	}
	return nil
}

// control refuses, at dial time, a connection to a refused address.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: cannot judge address %q: %w", address, err)
	}
	return g.CheckAddr(ap.Addr())
}

// Client returns an HTTP client whose every connection passes the guard.
// It uses no proxy from the environment (a proxy would connect for it,
// out of the guard's sight) and does not follow redirects: a redirect is
// an answer like any other (a webhook counts it as failed).
func (g *Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Timeout: timeout, Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
