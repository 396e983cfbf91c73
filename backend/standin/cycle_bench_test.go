package standin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
)

// The admission cycle of one establishment's clients over real HTTP on
// loopback (issue 8): connect, two heartbeats, one change (durable before
// its 201), disconnect, by 64 clients at once. The same client runs
// against the real stand-in and against a handler of the same routes that
// does nothing, the machine's ceiling for this client; the goal is half of
// that ceiling's cycles per second, an admission p99 under 20 ms, and no
// answer but the expected ones (a 429 with ample seats would be a seat
// violation).
//
//	go test -run '^$' -bench AdmissionCycle -benchtime 3s -count 3 ./backend/standin/

// cycleClients is how many clients run cycles at once.
const cycleClients = 64

func BenchmarkAdmissionCycle(b *testing.B) {
	ctx := context.Background()
	bk, err := backend.Open(ctx, backend.Options{DataDir: b.TempDir(), Hashing: password.Fast})
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	est, pw, err := bk.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Victor Hugo", UAI: "0751234A",
		Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		b.Fatal(err)
	}
	s, err := bk.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
	if err != nil {
		b.Fatal(err)
	}
	base, err := s.CreateBase(ctx, s.DefaultCreateBase())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		b.Fatal(err)
	}
	// Seats for every client: half of them in mode administratif, so that
	// the seat rule runs, the other half enseignant (unlimited).
	if _, err := bk.SetSeats(ctx, est.HostingNumber, 1000, 0); err != nil {
		b.Fatal(err)
	}
	bk.HoldConnections(true)

	b.Run("stand-in", func(b *testing.B) {
		// 64 clients on one loopback address stand for 64 addresses: no per-address limit.
		url := serveLoopback(b, standin.New(standin.Config{Backend: bk, BaseURL: "http://127.0.0.1", ClientRate: -1}))
		last := lastChange(b, bk, base.ID)
		runCycles(b, url, est.HostingNumber)
		// Every cycle left: no seat is held; every change is in the log.
		v, err := s.Connections(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(v.Conns) != 0 || v.Usage.Total() != 0 {
			b.Fatalf("%d connections held after every client left (usage %+v)", len(v.Conns), v.Usage)
		}
		cs, err := bk.Changes(ctx, base.ID, last, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(cs) != b.N {
			b.Fatalf("%d changes recorded for %d cycles", len(cs), b.N)
		}
	})
	b.Run("do-nothing", func(b *testing.B) {
		runCycles(b, serveLoopback(b, doNothing()), est.HostingNumber)
	})
}

// lastChange is the id of the latest change of a base, 0 when none.
func lastChange(b *testing.B, bk *backend.Backend, baseID int64) int64 {
	var last int64
	for {
		cs, err := bk.Changes(context.Background(), baseID, last, 10000)
		if err != nil {
			b.Fatal(err)
		}
		if len(cs) == 0 {
			return last
		}
		last = cs[len(cs)-1].ID
	}
}

// serveLoopback serves h on a loopback port with the stand-in's http.Server
// settings until the benchmark ends.
func serveLoopback(b *testing.B, h http.Handler) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := standin.NewServer(h, nil)
	go srv.Serve(l) //nolint:errcheck // ErrServerClosed at the end
	b.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// doNothing answers the clients' routes as the stand-in does when all
// goes well, without any work: the ceiling of the client and the loopback.
func doNothing() http.Handler {
	mux := http.NewServeMux()
	reply := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) //nolint:errcheck // as the stand-in reads the body
			if body == "" {
				w.WriteHeader(code)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(code)
			io.WriteString(w, body) //nolint:errcheck // the client left
		}
	}
	mux.HandleFunc("POST /{number}/connexions", reply(http.StatusCreated, `{"id":"0123456789abcdef0123456789abcdef"}`+"\n"))
	mux.HandleFunc("POST /{number}/connexions/{id}/heartbeat", reply(http.StatusNoContent, ""))
	mux.HandleFunc("DELETE /{number}/connexions/{id}", reply(http.StatusNoContent, ""))
	mux.HandleFunc("POST /{number}/saisies", reply(http.StatusCreated, `{"id":1}`+"\n"))
	return mux
}

// runCycles runs b.N cycles split across cycleClients clients and reports
// cycles/s and the admission p99; any unexpected answer fails the
// benchmark.
func runCycles(b *testing.B, url, number string) {
	tr := &http.Transport{MaxIdleConns: 2 * cycleClients, MaxIdleConnsPerHost: 2 * cycleClients, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		next  atomic.Int64
		bad   atomic.Int64
		first sync.Once
		why   string
		wg    sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		bad.Add(1)
		first.Do(func() { why = fmt.Sprintf(format, args...) })
	}
	lat := make([][]time.Duration, cycleClients)  // admissions
	wlat := make([][]time.Duration, cycleClients) // durable changes
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	for w := range cycleClients {
		mode := "administratif"
		if w%2 == 1 {
			mode = "enseignant"
		}
		connect := fmt.Appendf(nil, `{"user":"Client %d","group":"Professeurs","mode":%q}`, w, mode)
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) && bad.Load() == 0 {
				t0 := time.Now()
				code, body, err := send(client, http.MethodPost, url+"/"+number+"/connexions", connect)
				lat[w] = append(lat[w], time.Since(t0))
				var c struct{ ID string }
				if err != nil || code != http.StatusCreated || json.Unmarshal(body, &c) != nil || c.ID == "" {
					fail("connect: %d %s %v", code, body, err)
					return
				}
				conn := url + "/" + number + "/connexions/" + c.ID
				for range 2 {
					if code, body, err := send(client, http.MethodPost, conn+"/heartbeat", nil); err != nil || code != http.StatusNoContent {
						fail("heartbeat: %d %s %v", code, body, err)
						return
					}
				}
				change := fmt.Appendf(nil, `{"connexion":%q,"what":"note de maths 3e B"}`, c.ID)
				t0 = time.Now()
				code, body, err = send(client, http.MethodPost, url+"/"+number+"/saisies", change)
				wlat[w] = append(wlat[w], time.Since(t0))
				if err != nil || code != http.StatusCreated {
					fail("change: %d %s %v", code, body, err)
					return
				}
				if code, body, err := send(client, http.MethodDelete, conn, nil); err != nil || code != http.StatusNoContent {
					fail("disconnect: %d %s %v", code, body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu
	b.StopTimer()
	if n := bad.Load(); n > 0 {
		b.Fatalf("%d unexpected answers, the first: %s", n, why)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "cycles/s")
	admit, write := slices.Concat(lat...), slices.Concat(wlat...)
	b.ReportMetric(quantile(admit, 0.99), "p99-admit-ms")
	b.ReportMetric(quantile(admit, 0.50), "p50-admit-ms")
	b.ReportMetric(quantile(write, 0.50), "p50-change-ms")
	b.ReportMetric(quantile(write, 0.99), "p99-change-ms")
	if cpu > 0 {
		// Client and server together: the same client in both runs.
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/cycle")
	}
}

// quantile is the q-quantile of ds, in milliseconds.
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[min(int(float64(len(ds))*q), len(ds)-1)]) / 1e6
}

// send sends one request and reads the whole answer, so that the connection
// is reused.
func send(c *http.Client, method, url string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, data, err
}
