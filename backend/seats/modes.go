package seats

import "strings"

// Mode is how a client connects: one of the three modes of the PRONOTE
// client, or one of the Espaces of PRONOTE.net.
type Mode string

// The modes and Espaces, as the stand-in's JSON names them (SPEC §8).
const (
	Administratif Mode = "administratif"
	Enseignant    Mode = "enseignant"
	VieScolaire   Mode = "viescolaire"
	Professeur    Mode = "professeur"
	Parent        Mode = "parent"
	Eleve         Mode = "eleve"
)

// Modes are every mode, in the order the console lists them.
var Modes = []Mode{Administratif, Enseignant, VieScolaire, Professeur, Parent, Eleve}

// ParseMode reads a mode as the stand-in receives it (exactly, no case
// folding: a client sends one of six fixed words).
func ParseMode(s string) (Mode, bool) {
	for _, m := range Modes {
		if string(m) == s {
			return m, true
		}
	}
	return "", false
}

// Kind is what a mode counts against: the administratif seats, the
// enseignant seats, or nothing (vie scolaire and the Espaces are unlimited).
type Kind int

// The kinds, which are also the series of the history.
const (
	KindAdmin Kind = iota
	KindTeacher
	KindVieScolaire
	KindEspaces
	NumKinds
)

// Kind is what m counts against.
func (m Mode) Kind() Kind {
	switch m {
	case Administratif:
		return KindAdmin
	case Enseignant:
		return KindTeacher
	case VieScolaire:
		return KindVieScolaire
	}
	return KindEspaces
}

// French is the mode as the console shows it.
func (m Mode) French() string {
	switch m {
	case Administratif:
		return "Mode administratif"
	case Enseignant:
		return "Mode enseignant"
	case VieScolaire:
		return "Vie scolaire"
	case Professeur:
		return "Espace Professeurs"
	case Parent:
		return "Espace Parents"
	case Eleve:
		return "Espace Élèves"
	}
	return string(m)
}

// French is the kind as the console's gauges and chart name it.
func (k Kind) French() string {
	return [...]string{"Mode administratif", "Mode enseignant", "Vie scolaire", "Espaces"}[k]
}

// AdminGroup is the group that reserved seats are kept for.
const AdminGroup = "Administration"

// InAdminGroup reports whether a group names the groupe Administration,
// ASCII case and surrounding spaces aside (the group is free text). Only
// ASCII letters fold: strings.EqualFold would take "Adminiſtration" (a
// long s) for it, which no one reads as the same word.
func InAdminGroup(group string) bool {
	g := strings.TrimSpace(group)
	if len(g) != len(AdminGroup) {
		return false
	}
	for i := 0; i < len(g); i++ {
		a, b := g[i], AdminGroup[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
