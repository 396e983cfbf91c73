package standin_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hebergement/console/backend/standin"
)

// BenchmarkHome is GET /{number}/ (the PRONOTE.net home of a server in
// service: one read transaction of the back end and a JSON answer), beside a
// handler that does nothing, both called in process (handler) and through a
// real HTTP server and client on loopback (loopback).
//
//	go test -run '^$' -bench Home -benchmem ./backend/standin/
func BenchmarkHome(b *testing.B) {
	f := newFixture(b)
	home := standin.New(standin.Config{Backend: f.b, BaseURL: "http://127.0.0.1:8080"})
	noop := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	path := "/" + f.a + "/"
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"handler=standin", home}, {"handler=noop", noop}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"loopback=standin", home}, {"loopback=noop", noop}} {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewUnstartedServer(nil)
			srv.Config = standin.NewServer(c.h, nil)
			srv.Start()
			defer srv.Close()
			client := srv.Client()
			url := srv.URL + path
			for b.Loop() {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.StatusCode)
				}
			}
		})
	}
}
