package standin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
	"github.com/hebergement/console/backend/store/postgres/pgtest"
)

// instance is one back end on the shared database, with its stand-in
// listening.
type instance struct {
	b   *backend.Backend
	srv *httptest.Server
}

func newInstances(t *testing.T, n int) []instance {
	t.Helper()
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	c := clock.NewFake(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris()))
	out := make([]instance, n)
	for i := range out {
		b, err := backend.Open(context.Background(), backend.Options{DataDir: dir, DB: dsn, Clock: c, Hashing: password.Fast})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(standin.New(standin.Config{Backend: b, BaseURL: "http://pronote.example", ClientRate: -1}))
		b.SetInstanceAddress(srv.URL)
		t.Cleanup(func() { srv.Close(); b.Close() })
		out[i] = instance{b: b, srv: srv}
	}
	return out
}

// client sends from 127.0.0.2, so that its address differs from the
// instances' own (127.0.0.1), which relay it.
var client = &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
	LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}

// inService creates an establishment with admin administratif seats, its
// base and its server in service, and returns it with its password (its
// first login done).
func inService(t *testing.T, b *backend.Backend, name string, admin int) (backend.Establishment, string) {
	t.Helper()
	ctx := context.Background()
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: name, UAI: "0751234A",
		Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78", AdminSeats: admin, TeacherSeats: 30})
	if err != nil {
		t.Fatal(err)
	}
	spr, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spr.CreateBase(ctx, spr.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := spr.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	return est, pw
}

func post(t *testing.T, url string, body any, header http.Header) (int, map[string]any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out) //nolint:errcheck // empty for 204
	return resp.StatusCode, out
}

// Two instances on one database: a school's hosted server is held by the
// first instance its clients reach; the other relays its clients there, so
// that the seats are counted once, and its console reads and ends the
// connections held there.
func TestHostedServerAcrossInstances(t *testing.T) {
	in := newInstances(t, 2)
	ctx := context.Background()
	est, pw := inService(t, in[0].b, "Lycée Victor Hugo", 2)
	path := "/" + est.HostingNumber + "/connexions"
	admin := map[string]string{"user": "M. DUPONT", "group": "Administration", "mode": "administratif"}

	// The second instance is reached first: it takes the school.
	code, first := post(t, in[1].srv.URL+path, admin, nil)
	if code != http.StatusCreated {
		t.Fatalf("connect on the second instance: %d %v", code, first)
	}
	if here, _, err := in[1].b.HostedHere(ctx, est.HostingNumber); err != nil || !here {
		t.Fatalf("the second instance does not hold the school it admitted: %v %v", here, err)
	}
	// Through the first instance: relayed, counted by the holder.
	code, second := post(t, in[0].srv.URL+path, admin, nil)
	if code != http.StatusCreated {
		t.Fatalf("connect through the first instance: %d %v", code, second)
	}
	if code, third := post(t, in[0].srv.URL+path, admin, nil); code != http.StatusTooManyRequests {
		t.Fatalf("a third administratif connection on 2 seats, through the first instance: %d %v", code, third)
	}
	if code, _ := post(t, in[0].srv.URL+path+"/"+first["id"].(string)+"/heartbeat", nil, nil); code != http.StatusNoContent {
		t.Errorf("heartbeat of the holder's connection through the other instance: %d", code)
	}

	// The first instance's console reads the live table held by the second.
	sess, err := in[0].b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sess.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Held || len(v.Conns) != 2 || v.Usage.Admin != 2 {
		t.Fatalf("console of the other instance: held %v, %d connections, usage %+v", v.Held, len(v.Conns), v.Usage)
	}
	for _, c := range v.Conns {
		if c.Addr != "127.0.0.2" {
			t.Errorf("a client's address is %q, not its own (relayed through the first instance: %v)", c.Addr, c.ID == second["id"])
		}
	}
	if n, err := sess.ConnectedUsers(ctx); err != nil || n != 2 {
		t.Errorf("connected users from the other instance: %d %v", n, err)
	}
	// "Déconnecter" from there ends it on the holder, and frees the seat.
	if err := sess.DisconnectUser(ctx, first["id"].(string)); err != nil {
		t.Fatal(err)
	}
	if code, out := post(t, in[0].srv.URL+path, admin, nil); code != http.StatusCreated {
		t.Fatalf("connect after the disconnection: %d %v", code, out)
	}

	// A client posing as an instance is not believed.
	code, forged := post(t, in[1].srv.URL+path, admin, http.Header{"X-Hebergement-Instances": {"0000"}, "X-Hebergement-Client": {"203.0.113.9"}})
	if code != http.StatusTooManyRequests {
		t.Fatalf("forged relay: %d %v", code, forged)
	}
	v, _ = sess.Connections(ctx)
	for _, r := range v.Refusals {
		if r.Addr == "203.0.113.9" {
			t.Errorf("a client chose its address with a forged header: %+v", r)
		}
	}
	resp, err := client.Get(in[1].srv.URL + backend.PeerPath + "1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the instances' endpoint without their key: %d", resp.StatusCode)
	}

	// The holder's stand-in stops answering: the console says it cannot
	// see the live table, rather than showing an empty one.
	in[1].srv.Close()
	v, err = sess.Connections(ctx)
	if err != nil || v.Held || !v.Unreachable || len(v.Conns) != 0 {
		t.Errorf("holder unreachable: held %v, unreachable %v, %d connections, err %v", v.Held, v.Unreachable, len(v.Conns), err)
	}
	if err := sess.DisconnectUser(ctx, second["id"].(string)); err == nil {
		t.Error("disconnected a user on an instance that does not answer")
	}

	// The holder stops: the school is released, and the other instance
	// takes it (its clients reconnect; one told to retry does).
	in[1].b.Close()
	code, out := post(t, in[0].srv.URL+path, admin, nil)
	if code == http.StatusServiceUnavailable { // the holder it knew did not answer
		code, out = post(t, in[0].srv.URL+path, admin, nil)
	}
	if code != http.StatusCreated {
		t.Fatalf("connect once the holder stopped: %d %v", code, out)
	}
	if here, _, _ := in[0].b.HostedHere(ctx, est.HostingNumber); !here {
		t.Error("the remaining instance did not take the school")
	}
}

// The seat invariant across instances: clients of one school reaching
// three instances at once, none of which holds the school yet, get
// exactly as many seats as the contract has, whichever instance takes it.
func TestSeatInvariantAcrossInstances(t *testing.T) {
	in := newInstances(t, 3)
	ctx := context.Background()
	est, _ := inService(t, in[0].b, "Collège Jean Moulin", 3)
	const clients = 24
	codes := make([]int, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-start
			url := in[i%len(in)].srv.URL + "/" + est.HostingNumber + "/connexions"
			for range 20 { // a client told to retry (503) does
				codes[i], _ = post(t, url, map[string]string{"user": fmt.Sprint("M. DUPONT ", i), "group": "Administration", "mode": "administratif"}, nil)
				if codes[i] != http.StatusServiceUnavailable {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusCreated] != 3 || count[http.StatusTooManyRequests] != clients-3 {
		t.Fatalf("answers %v: want 3 × 201 and %d × 429", count, clients-3)
	}
	holders := 0
	for _, i := range in {
		if here, _, _ := i.b.HostedHere(ctx, est.HostingNumber); here {
			holders++
		}
	}
	if holders != 1 {
		t.Errorf("%d instances hold the school", holders)
	}
}
