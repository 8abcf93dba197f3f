package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Workers replying in waves (a burst of messages, a pause, another burst) reuse their
// connections to Zalo. Go's default transport keeps 2 idle per host: after each wave it
// closes the others, and the next wave opens them again (TCP and TLS to openapi.zalo.me).
func TestZaloTransportReusesConnections(t *testing.T) {
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"error":0}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc := &http.Client{Transport: zaloTransport}
	const senders, waves = 16, 10
	for range waves {
		var start, wg sync.WaitGroup
		start.Add(1)
		for range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait() // the whole wave at once
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		start.Done()
		wg.Wait()
	}
	if n := opened.Load(); n > 2*senders {
		t.Errorf("%d connections opened for %d waves of %d replies; want at most %d", n, waves, senders, 2*senders)
	}
}
