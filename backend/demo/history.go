package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/seats"
)

// SeedHistory stores 24 hours of past traffic for the demo establishment
// (the same school day the simulator plays), so that the chart of Suivi des
// connexions is full from the first screen, with a few refusals at the
// busiest hours.
func SeedHistory(ctx context.Context, b *backend.Backend, est backend.Establishment) error {
	lim := seats.Limits{Admin: est.AdminSeats, Reserved: est.ReservedSeats, Teacher: est.TeacherSeats}
	samples, refusals := History(b.Clock().Now(), lim, rand.Uint64())
	if err := b.RecordHistory(ctx, est.ID, samples, refusals); err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	return nil
}

// History is a plausible past under the limits lim: one sample per 5
// minutes for the 24 hours before now's bucket (which the live traffic
// fills), the peaks of each kind drawn around the school day's curve and
// capped by the seats, and the latest refusals, oldest first, when more
// people asked for a mode than it had seats.
func History(now time.Time, lim seats.Limits, seed uint64) ([]seats.Sample, []seats.Refusal) {
	r := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	last := now.Truncate(seats.Bucket)
	// Each population's own drift around its curve, slow from one bucket
	// to the next: a busy morning stays busy for a while.
	drift := make([]float64, len(populations))
	var samples []seats.Sample
	var refusals []seats.Refusal
	for at := last.Add(-24 * time.Hour).Add(seats.Bucket); at.Before(last); at = at.Add(seats.Bucket) {
		smp := seats.Sample{At: at}
		mid := at.Add(seats.Bucket / 2)
		for i, p := range populations {
			drift[i] = 0.8*drift[i] + 0.6*r.NormFloat64()
			// The most connected at once in 5 minutes is above the mean.
			demand := roundRandom(r, p.target(mid)*max(1.1+0.15*drift[i], 0.5))
			kind := p.mode.Kind()
			limit := 0
			switch kind {
			case seats.KindAdmin:
				limit = lim.Admin
			case seats.KindTeacher:
				limit = lim.Teacher
			}
			held := demand
			if limit > 0 && demand > limit {
				held = limit
				// Most of those over the seats waited for a free one
				// rather than trying in that very bucket: a few tries
				// are refused.
				n := poisson(r, 0.3*float64(demand-limit))
				smp.Refused += n
				for range n {
					refusals = append(refusals, refusal(r, p, at, limit))
				}
			}
			smp.Peak[kind] += held
		}
		samples = append(samples, smp)
	}
	sort.Slice(refusals, func(i, j int) bool { return refusals[i].At.Before(refusals[j].At) })
	if over := len(refusals) - seats.KeptRefusals; over > 0 {
		refusals = refusals[over:]
	}
	return samples, refusals
}

// refusal is one past refusal in the bucket at, as the broker words it.
func refusal(r *rand.Rand, p *population, at time.Time, limit int) seats.Refusal {
	return seats.Refusal{
		At:   at.Add(time.Duration(r.Int64N(int64(seats.Bucket)))).Truncate(time.Second),
		User: p.names(r), Group: p.group(r), Mode: p.mode,
		Addr:   fmt.Sprintf("203.0.113.%d", 10+r.IntN(200)),
		Reason: backend.SeatSentence(&seats.SeatError{Mode: p.mode, Used: limit, Total: limit}),
	}
}
