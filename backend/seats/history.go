package seats

import "time"

// The 5-minute history of simultaneous connections and the latest
// refusals, kept per pool until the back end stores them (Drain).

// Sample is one 5-minute bucket of an establishment's history: the most
// connections held at once in each kind, and the connections refused.
type Sample struct {
	Establishment int64
	At            time.Time // the bucket's start
	Peak          [NumKinds]int
	Refused       int
}

// Refusal is one connection refused for lack of a licence.
type Refusal struct {
	Establishment int64
	At            time.Time
	User, Group   string
	Mode          Mode
	Addr          string
	Reason        string
}

// KeptRefusals is how many refusals each pool keeps for the console.
const KeptRefusals = 20

// Drain returns the history buckets closed since the last Drain, the
// bucket being filled when it changed, and the refusals not drained yet,
// for the back end to store.
func (b *Broker) Drain(now time.Time) ([]Sample, []Refusal) {
	var samples []Sample
	var refusals []Refusal
	for _, p := range b.Pools() {
		p.mu.Lock()
		p.touch(now)
		samples = append(samples, p.done...)
		p.done = nil
		if p.dirty {
			samples = append(samples, p.cur)
			p.dirty = false
		}
		if p.fresh > 0 {
			refusals = append(refusals, p.refusals[len(p.refusals)-p.fresh:]...)
			p.fresh = 0
		}
		p.mu.Unlock()
	}
	return samples, refusals
}

// Restore gives Drain back what could not be stored, so that it is tried
// again.
func (b *Broker) Restore(samples []Sample, refusals []Refusal) {
	for _, s := range samples {
		p := b.Pool(s.Establishment)
		p.mu.Lock()
		if s.At.Equal(p.cur.At) {
			p.dirty = true
		} else {
			p.done = append(p.done, s)
		}
		p.mu.Unlock()
	}
	_ = refusals // refusals are figures for people: a lost one is not worth a retry loop
}

// refuse records a refusal in the current bucket and the latest ones.
func (p *Pool) refuse(c Conn, reason string, now time.Time) {
	p.version++
	p.touch(now)
	p.cur.Refused++
	p.dirty = true
	// At to the millisecond, as the store keeps it, so that a refusal held
	// here and its stored copy are the same instant.
	p.refusals = append(p.refusals, Refusal{Establishment: p.id, At: now.Truncate(time.Millisecond), User: c.User, Group: c.Group, Mode: c.Mode,
		Addr: c.Addr, Reason: reason})
	if over := len(p.refusals) - KeptRefusals; over > 0 {
		p.refusals = append(p.refusals[:0], p.refusals[over:]...)
	}
	p.fresh = min(p.fresh+1, len(p.refusals))
}

// touch moves the history to now's bucket and raises its peaks to the
// usage; the caller holds p.mu.
func (p *Pool) touch(now time.Time) {
	at := now.Truncate(Bucket)
	if !p.cur.At.Equal(at) {
		if !p.cur.At.IsZero() && (p.dirty || p.cur.Refused > 0 || p.cur.Peak != [NumKinds]int{}) {
			p.done = append(p.done, p.cur)
		}
		p.cur = Sample{Establishment: p.id, At: at}
		p.dirty = p.usage.Total() > 0
	}
	for k, n := range peaks(p.usage) {
		if n > p.cur.Peak[k] {
			p.cur.Peak[k] = n
			p.dirty = true
		}
	}
}

func peaks(u Usage) [NumKinds]int {
	return [NumKinds]int{u.Admin, u.Teacher, u.VieScolaire, u.Espaces}
}
