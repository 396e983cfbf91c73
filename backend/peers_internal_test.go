package backend

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// A signature is good for its own request only: another path, another
// method, another client address, or an instant more than a minute away
// is refused, as is any signature without the data folder's key.
func TestPeerSignatures(t *testing.T) {
	b := &Backend{peerKey: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}
	signed := func(method, path, client string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		if client != "" {
			r.Header.Set(PeerClientHeader, client)
		}
		b.SignPeerRequest(r)
		return r
	}
	r := signed("GET", PeerPath+"12", "")
	if !b.PeerRequestValid(r) {
		t.Fatal("a good signature refused")
	}
	moved := httptest.NewRequest("GET", PeerPath+"13", nil)
	moved.Header = r.Header.Clone()
	if b.PeerRequestValid(moved) {
		t.Error("a signature accepted on another path")
	}
	del := httptest.NewRequest("DELETE", PeerPath+"12", nil)
	del.Header = r.Header.Clone()
	if b.PeerRequestValid(del) {
		t.Error("a signature accepted for another method")
	}
	relayed := signed("POST", "/123456789012/connexions", "203.0.113.7")
	relayed.Header.Set(PeerClientHeader, "198.51.100.1")
	if b.PeerRequestValid(relayed) {
		t.Error("a signature accepted with another client address")
	}
	old := httptest.NewRequest("GET", PeerPath+"12", nil)
	ts := strconv.FormatInt(time.Now().Add(-2*time.Minute).Unix(), 10)
	old.Header.Set(PeerKeyHeader, ts+"."+b.peerMAC(old, ts))
	if b.PeerRequestValid(old) {
		t.Error("a signature two minutes old accepted")
	}
	other := &Backend{peerKey: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"}
	if other.PeerRequestValid(r) || (&Backend{}).PeerRequestValid(r) {
		t.Error("a signature accepted without the same key")
	}
}
