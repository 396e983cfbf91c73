package fr_test

import (
	"testing"
	"time"

	"github.com/hebergement/console/backend/fr"
)

func TestFormats(t *testing.T) {
	at := time.Date(2026, 11, 28, 21, 35, 0, 0, time.UTC) // 22:35 in Paris
	for _, c := range []struct{ got, want string }{
		{fr.Size(512), "512 o"},
		{fr.Size(12_900_000), "12,3 Mo"},
		{fr.Size(300 << 20), "300 Mo"},
		{fr.Size(3 << 50), "3,0 Po"},
		{fr.Count(10000), "10 000"},
		{fr.Count(999), "999"},
		{fr.Count(-1500), "-1500"},
		{fr.DateTime(at), "28/11/2026 22:35"},
		{fr.Date(at), "28/11/2026"},
		{fr.ShortDate(at), "28/11/26"},
		{fr.DateTime(time.Time{}), "—"},
		{fr.Duration(30 * time.Minute), "30 min"},
		{fr.Duration(45 * time.Second), "45 s"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestFold(t *testing.T) {
	if got := fr.Plain("Éclat-BFC, Élèves, Cœur"); got != "Eclat-BFC, Eleves, Coeur" {
		t.Errorf("Plain = %q", got)
	}
	if got := fr.Fold("ÉLÈVES Ça"); got != "eleves ca" {
		t.Errorf("Fold = %q", got)
	}
}

func TestEuros(t *testing.T) {
	for _, c := range []struct {
		cents int64
		want  string
	}{
		{0, "0,00 €"},
		{1, "0,01 €"},
		{99, "0,99 €"},
		{100, "1,00 €"},
		{54000, "540,00 €"},
		{123456, "1 234,56 €"},
		{100000000, "1 000 000,00 €"},
		{-1200, "-12,00 €"},
		{-5, "-0,05 €"},
		{9223372036854775807, "92 233 720 368 547 758,07 €"},
		{-9223372036854775808, "-92 233 720 368 547 758,08 €"},
	} {
		if got := fr.Euros(c.cents); got != c.want {
			t.Errorf("Euros(%d) = %q, want %q", c.cents, got, c.want)
		}
	}
	if fr.Euros(123456)[1] != ' ' || fr.Count(1234)[1] != ' ' {
		t.Error("Euros and Count must share the thousands separator")
	}
}

func TestHour(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2027, 8, 23, 1, 30, 0, 0, time.UTC), "3 h 30"}, // summer time
		{time.Date(2027, 1, 10, 13, 0, 0, 0, time.UTC), "14 h"},
		{time.Date(2027, 1, 10, 23, 5, 0, 0, time.UTC), "0 h 05"},
	} {
		if got := fr.Hour(c.at); got != c.want {
			t.Errorf("Hour(%v) = %q, want %q", c.at, got, c.want)
		}
	}
}
