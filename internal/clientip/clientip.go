// Package clientip names the client of an HTTP request for per-client limits (the QR
// image limit, the console's sign-in throttle): one rule, so both count clients alike.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Of returns the client of r: its address, an IPv6 one cut to its /64 (one subscriber's
// usual allocation). When the peer is a loopback or private address — the TLS proxy of
// deploy/ — the client is the last X-Forwarded-For entry, the one that proxy appended;
// entries before it are whatever the client sent. A public peer is the client itself,
// whatever headers it sends.
func Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if ip.IsLoopback() || ip.IsPrivate() {
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			last := v[len(v)-1]
			last = strings.TrimSpace(last[strings.LastIndexByte(last, ',')+1:])
			if fwd, err := netip.ParseAddr(last); err == nil {
				ip = fwd
			}
		}
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}
