package ssh

import (
	"sync/atomic"

	"charm.land/ssh"
	"charm.land/wish/v2/scp"
)

// What an SSH session is, for the metrics.
const (
	KindConsole = iota
	KindSFTP
	KindSCP
	KindCommand
	NumKinds
)

// SessionKinds names the kinds, in the order of Stats' arrays.
var SessionKinds = [NumKinds]string{"console", "sftp", "scp", "command"}

// Why the limits refused a connection (limits.go), for the metrics.
const (
	// RefusedRate: the address opened connections faster than ConnRate.
	RefusedRate = iota
	// RefusedUnauthenticatedPerAddr: MaxUnauthenticatedPerAddr reached.
	RefusedUnauthenticatedPerAddr
	// RefusedUnauthenticated: MaxUnauthenticated reached, nobody to evict.
	RefusedUnauthenticated
	// RefusedEvicted: a handshake closed to make room for another address.
	RefusedEvicted
	// RefusedEnrollment: an unknown key past the enrollment caps.
	RefusedEnrollment
	NumRefusals
)

// RefusalReasons names the reasons, in the order of Stats.Refused.
var RefusalReasons = [NumRefusals]string{"rate", "unauthenticated_per_addr", "unauthenticated", "evicted", "enrollment_full"}

// Stats are the SSH server's counters since it started, read by the metrics
// listener. Each is counted once, where the server decides.
type Stats struct {
	// Connections admitted by the limits.
	Connections atomic.Int64
	// Refused connections, by RefusalReasons.
	Refused [NumRefusals]atomic.Int64
	// SessionsRefused: sessions refused because the key had
	// MaxSessionsPerKey open.
	SessionsRefused atomic.Int64
	// Sessions opened, and open now, by SessionKinds.
	Sessions     [NumKinds]atomic.Int64
	SessionsOpen [NumKinds]atomic.Int64
}

// Stats are the server's counters.
func (s *Server) Stats() *Stats { return &s.stats }

// session counts sess as open, by its kind, until the returned function is
// called:
//
//	defer s.stats.session(sess)()
//
// A session with neither PTY nor command (one line and it ends) is not
// counted.
func (st *Stats) session(sess ssh.Session) func() {
	kind := -1
	_, _, pty := sess.Pty()
	switch cmd := sess.Command(); {
	case sess.Subsystem() == "sftp":
		kind = KindSFTP
	case scp.GetInfo(cmd).Ok:
		kind = KindSCP
	case len(cmd) > 0:
		kind = KindCommand
	case pty:
		kind = KindConsole
	}
	if st == nil || kind < 0 {
		return func() {}
	}
	st.Sessions[kind].Add(1)
	st.SessionsOpen[kind].Add(1)
	return func() { st.SessionsOpen[kind].Add(-1) }
}

// refusedBy counts a connection the limiter refused; why is the limiter's
// own word for it.
func (st *Stats) refusedBy(why string) {
	if st == nil {
		return
	}
	switch why {
	case "rate":
		st.Refused[RefusedRate].Add(1)
	case "unauthenticated per address":
		st.Refused[RefusedUnauthenticatedPerAddr].Add(1)
	case "unauthenticated overall":
		st.Refused[RefusedUnauthenticated].Add(1)
	case "evicted":
		st.Refused[RefusedEvicted].Add(1)
	case "enrollment full":
		st.Refused[RefusedEnrollment].Add(1)
	}
}

// admitted counts a connection the limiter let in.
func (st *Stats) admitted() {
	if st != nil {
		st.Connections.Add(1)
	}
}
