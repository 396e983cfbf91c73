package demo

import (
	"fmt"
	"math/rand/v2"
)

// The words of the simulated users: names as PRONOTE shows them (staff as
// "M. DUPONT", students as "Léa MOREAU"), classes of a lycée and collège,
// and the changes they write all day.

var (
	lastNames = []string{"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
		"MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
		"MOREL", "GIRARD", "ANDRÉ", "LEFÈVRE", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANÇOIS", "MARTINEZ", "NGUYEN",
		"BENALI", "DIALLO", "CHEVALIER", "ROUSSEAU", "BLANC", "GUÉRIN", "MULLER", "HENRY", "ROUSSEL"}
	firstNames = []string{"Léa", "Hugo", "Chloé", "Lucas", "Emma", "Nathan", "Inès", "Louis", "Jade", "Gabriel", "Manon",
		"Arthur", "Camille", "Raphaël", "Sarah", "Adam", "Zoé", "Noah", "Lina", "Tom", "Yasmine", "Théo", "Clara", "Mehdi",
		"Anaïs", "Enzo", "Maëlys", "Jules", "Océane", "Sacha"}
	classes = []string{"6e A", "6e B", "5e C", "5e D", "4e A", "4e B", "3e B", "3e C", "2nde 1", "2nde 3", "2nde 4",
		"1re G1", "1re G2", "1re STMG", "Tle G1", "Tle G3", "Tle STI2D"}
	subjects = []string{"maths", "français", "histoire-géographie", "anglais", "espagnol", "SVT", "physique-chimie",
		"philosophie", "SES", "EPS", "NSI", "allemand"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// student is a student as the staff write of them: "Léa M.".
func student(r *rand.Rand) string {
	return pick(r, firstNames) + " " + string([]rune(pick(r, lastNames))[:1]) + "."
}

// adultName is a member of the staff or a parent: "M. DUPONT".
func adultName(r *rand.Rand) string {
	return pick(r, []string{"M.", "Mme"}) + " " + pick(r, lastNames)
}

func studentName(r *rand.Rand) string {
	return pick(r, firstNames) + " " + pick(r, lastNames)
}

func teacherChange(r *rand.Rand) string {
	c := pick(r, classes)
	switch r.IntN(7) {
	case 0:
		return "appel " + c
	case 1:
		return fmt.Sprintf("note de %s %s", pick(r, subjects), c)
	case 2:
		return fmt.Sprintf("cahier de textes %s : exercices p. %d", c, 20+r.IntN(200))
	case 3:
		return fmt.Sprintf("devoir de %s %s pour le %d", pick(r, subjects), c, 1+r.IntN(28))
	case 4:
		return fmt.Sprintf("appréciation de %s en %s", student(r), c)
	case 5:
		return fmt.Sprintf("compétences de %s %s", pick(r, subjects), c)
	}
	return fmt.Sprintf("absence de %s en %s", student(r), c)
}

func adminChange(r *rand.Rand) string {
	c := pick(r, classes)
	switch r.IntN(6) {
	case 0:
		return fmt.Sprintf("emploi du temps : salle B%d pour la %s", 10+r.IntN(30), c)
	case 1:
		return fmt.Sprintf("inscription de %s en %s", student(r), c)
	case 2:
		return fmt.Sprintf("conseil de classe %s le %d à 17 h", c, 1+r.IntN(28))
	case 3:
		return fmt.Sprintf("remplacement de %s en %s", adultName(r), c)
	case 4:
		return fmt.Sprintf("changement de groupe de %s : %s", student(r), c)
	}
	return fmt.Sprintf("réservation de la salle polyvalente le %d", 1+r.IntN(28))
}

func vieScolaireChange(r *rand.Rand) string {
	c := pick(r, classes)
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf("retard de %s en %s", student(r), c)
	case 1:
		return fmt.Sprintf("retenue de %s mercredi", student(r))
	case 2:
		return fmt.Sprintf("dispense d'EPS de %s", student(r))
	case 3:
		return fmt.Sprintf("passage à l'infirmerie de %s", student(r))
	}
	return fmt.Sprintf("absence de %s en %s", student(r), c)
}

func parentChange(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return fmt.Sprintf("justification d'absence de %s : rendez-vous médical", student(r))
	}
	return fmt.Sprintf("demande de rendez-vous avec le professeur principal de %s", pick(r, classes))
}

func studentChange(r *rand.Rand) string {
	return fmt.Sprintf("travail rendu de %s %s", pick(r, subjects), pick(r, classes))
}
