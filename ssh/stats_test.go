package ssh_test

import (
	"fmt"
	"testing"

	hssh "github.com/hebergement/console/ssh"
)

// TestStatsCountSessionsAndRefusals: a command and a console are counted by
// kind while open and after; a connection past the rate is counted refused.
func TestStatsCountSessionsAndRefusals(t *testing.T) {
	e := newEnv(t, hssh.Config{ConnRate: 60, ConnBurst: 3})
	est, key := e.enrolledKey("Lycée Victor Hugo")
	st := e.srv.Stats()
	if r := e.run(est.HostingNumber, key, "statut"); r.code != 0 {
		t.Fatalf("statut: %d %s", r.code, r.stderr)
	}
	eventually(t, "the command counted and closed", func() error {
		if st.Sessions[hssh.KindCommand].Load() != 1 || st.SessionsOpen[hssh.KindCommand].Load() != 0 {
			return fmt.Errorf("command sessions %d, open %d", st.Sessions[hssh.KindCommand].Load(), st.SessionsOpen[hssh.KindCommand].Load())
		}
		return nil
	})
	term := e.console(key, est, 100, 30)
	if n := st.SessionsOpen[hssh.KindConsole].Load(); n != 1 {
		t.Fatalf("consoles open: %d", n)
	}
	term.send("q")
	eventually(t, "the console closed", func() error {
		if n := st.SessionsOpen[hssh.KindConsole].Load(); n != 0 {
			return fmt.Errorf("consoles open: %d", n)
		}
		return nil
	})
	// The burst is 3 and the rate one a second: quick connections are soon
	// refused (raw TCP ones, which the limits see before any handshake).
	for range 10 {
		e.rawConn()
	}
	eventually(t, "a refusal counted", func() error {
		if n := st.Refused[hssh.RefusedRate].Load(); n < 1 {
			return fmt.Errorf("refused by rate: %d (admitted %d)", n, st.Connections.Load())
		}
		return nil
	})
}
