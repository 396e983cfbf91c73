package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"strings"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/seats"
)

// messages are the French sentences the console shows for each refusal, in
// the words of the original product. Message is the only place that maps
// errors to text a user reads.
var messages = []struct {
	err  error
	text string
}{
	{ErrBadCode, "Numéro d'hébergement, mot de passe ou code d'invitation incorrect."},
	{ErrBadCredentials, "Numéro d'hébergement ou mot de passe incorrect."},
	{ErrInvoiceRequired, "Première connexion : saisissez aussi le numéro de facture reçu par e-mail."},
	{ErrBadInvoice, "Numéro de facture incorrect : saisissez le numéro de votre dernière facture, reçu par e-mail."},
	{ErrThrottled, "Trop de tentatives de connexion depuis ce poste. Réessayez dans quelques minutes."},
	{ErrForbidden, "Votre profil ne permet pas cette action."},
	{ErrServerRunning, "Le serveur est en service : arrêtez-le d'abord."},
	{ErrServerStopped, "Le serveur est déjà arrêté."},
	{ErrAlreadyRunning, "Le serveur est déjà en service."},
	{ErrNoOpenedBase, "Aucune base n'est ouverte : ouvrez ou créez une base avant de la mettre en service."},
	{ErrNoBaseInService, "Aucune base n'est en service : les fichiers annexes complètent la base en service."},
	{ErrBaseOpened, "Cette base est la base ouverte du serveur : ouvrez-en une autre avant de la supprimer."},
	{ErrAlreadyOpened, "Cette base est déjà la base ouverte."},
	{ErrInvalidFileName, "Ce nom de fichier n'est pas valable."},
	{ErrWrongExtension, "Ce fichier n'est pas un fichier d'hébergement : son nom doit se terminer par .HNOT, .HCOURRIERS, .HDOCJOINTS ou .HPHOTOS."},
	{ErrNotBaseFile, "Ce fichier n'est pas une base : choisissez un fichier *.HNOT."},
	{ErrNotAnnex, "Ce fichier n'est pas un fichier annexe : choisissez un fichier *.HCOURRIERS, *.HDOCJOINTS ou *.HPHOTOS."},
	{ErrDuplicateBase, "Cette base est déjà chargée."},
	{ErrReadFailed, "La lecture du fichier a échoué ; rien n'a été enregistré."},
	{ErrFileMissing, "Le fichier de cette base est introuvable sur le serveur ; contactez l'hébergeur."},
	{ErrUnknownKey, "Cette clé SSH n'est pas enregistrée : connectez-vous avec vos identifiants d'hébergement pour l'enregistrer."},
	{ErrKeyRevoked, "Cette clé SSH a été révoquée : la session est fermée."},
	{ErrAlreadyRevoked, "Cette clé SSH est déjà révoquée."},
	{ErrKeyTaken, "Cette clé SSH est déjà enregistrée pour un autre établissement : utilisez une autre clé."},
	{ErrBaseNotFound, "Aucune base ne porte ce nom ou ce numéro : elle a peut-être été supprimée depuis une autre session."},
	{ErrKeyNotFound, "Aucune clé SSH de votre établissement n'a cette empreinte."},
	{ErrEstablishmentNotFound, "Aucun établissement n'a ce numéro d'hébergement."},
	{ErrConnectionNotFound, "Cette connexion n'existe plus : l'utilisateur s'est peut-être déjà déconnecté."},
	{ErrBackupNotFound, "Cette sauvegarde n'existe plus : elle a peut-être été supprimée par la politique de conservation."},
	{ErrBackupCorrupt, "Le fichier de cette sauvegarde est endommagé : sa somme de contrôle ne correspond plus. Contactez l'hébergeur ; rien n'a été modifié."},
	{ErrInstantOutOfRange, "Cette date est hors de la période disponible : choisissez une minute des 7 derniers jours, au plus tard maintenant."},
	{ErrNothingAtInstant, "Aucune base n'était en service à cette date : choisissez une minute où le serveur était en service."},
	{ErrYearMismatch, "Cette base n'est pas de l'année scolaire choisie : choisissez une base de cette année-là."},
	{ErrNotPreviousYear, "Cette année scolaire n'est pas une année précédente de l'établissement."},
	{ErrAlreadyPublished, "La base est déjà publiée."},
	{ErrPublicationStopped, "La publication est déjà arrêtée."},
	{ErrEspaceAlreadyPublished, "Cet Espace est déjà publié."},
	{ErrEspaceAlreadyUnpublished, "Cet Espace n'est déjà plus publié."},
	{ErrPublished, "Arrêtez d'abord la publication : l'authentification ne se modifie que lorsque la publication est arrêtée."},
	{ErrUnknownENT, "Choisissez l'ENT dans la liste (ou « Autre »)."},
	{ErrInvalidCASURL, "Adresse du serveur CAS incorrecte."},
	{ErrPreVersionClosed, "La pré-version ne se demande que du 6 au 20 juillet."},
	{ErrContractRenewed, "Votre contrat d'hébergement est déjà renouvelé pour l'année scolaire prochaine : le prochain renouvellement se fera à partir du 1er septembre."},
	{ErrInvoiceNotFound, "Cette facture n'existe pas : `ls factures` les liste."},
	{ErrNothingToBackUp, "Aucune base n'est ouverte : il n'y a rien à sauvegarder."},
	{ErrInvalidRetention, "Politique de conservation incorrecte : de 1 à 366 jours, et de 0 à 520 semaines."},
	{ErrInvitationNotFound, "Aucune invitation de votre établissement n'a ce code."},
	{ErrInvitationUsed, "Cette invitation a déjà été utilisée : un code ne sert qu'une fois."},
	{ErrInvitationExpired, "Cette invitation a expiré (un code est valable 24 heures) : créez-en une nouvelle."},
	{ErrInvitationCancelled, "Cette invitation est déjà annulée."},
	{ErrTooManyInvitations, "Trop d'invitations en attente : annulez-en une avant d'en créer une autre."},
	{ErrNotFound, "Cet élément n'existe plus : il a peut-être été supprimé depuis une autre session."},
	{hostfile.ErrNotHostingFile, "Ce fichier n'est pas un fichier d'hébergement PRONOTE : générez-le avec la commande « Générer les fichiers pour l'hébergement » du Serveur local."},
	{hostfile.ErrUnsupportedVersion, "Ce fichier est dans une version de format que la console ne sait pas lire."},
	{hostfile.ErrWrongKind, "Le contenu du fichier ne correspond pas à son extension (par exemple des photos renommées en .HNOT)."},
	{hostfile.ErrMalformed, "L'en-tête du fichier est illisible : le fichier est endommagé. Générez-le de nouveau."},
	{hostfile.ErrTruncated, "Le fichier est incomplet : générez-le de nouveau ou recommencez le transfert."},
	{hostfile.ErrChecksum, "Le fichier est endommagé : sa somme de contrôle ne correspond pas. Générez-le de nouveau."},
	{hostfile.ErrTrailingData, "Le fichier contient des données après sa fin : il est endommagé. Générez-le de nouveau."},
	{hostfile.ErrOtherHostingNumber, "Ce fichier a été généré pour un autre numéro d'hébergement."},
	{hostfile.ErrOtherBase, "Ce fichier annexe a été généré avec une autre base que la base en service."},
	{hostfile.ErrOverQuota, "Espace de stockage insuffisant : ce fichier dépasse le quota de votre contrat d'hébergement."},
	{hostfile.ErrInvalidYear, "Année scolaire incorrecte : saisissez deux années qui se suivent, par exemple 2026-2027."},
	{hostfile.ErrInvalidGrid, "Grille horaire incorrecte : la fin doit suivre le début, les créneaux doivent découper la journée, et au moins un jour doit être choisi."},
	{hostfile.ErrInvalidName, "Ce nom de fichier n'est pas valable."},
	{ErrNoSeat, "Aucune licence n'est libre dans ce mode pour le moment : réessayez quand un utilisateur se sera déconnecté."},
	{ErrStorageFull, "L'espace de stockage de l'établissement est plein : la saisie n'est pas enregistrée. Augmentez le quota du contrat, ou supprimez des bases inutiles (l'espace d'une base supprimée est libéré quand plus aucune sauvegarde ne la garde)."},
	{ErrHostedElsewhere, "Le Serveur PRONOTE de cet établissement change d'instance d'hébergement : réessayez dans quelques secondes."},
	{ErrNotInService, "Le serveur n'est pas en service : aucune connexion n'est possible avant sa mise en service."},
	{ErrInvalidInput, "Valeur incorrecte."},
	{context.Canceled, "Opération annulée ; rien n'a été enregistré."},
	{context.DeadlineExceeded, "Opération trop longue, abandonnée ; rien n'a été enregistré."},
}

// Message is the French sentence for err, never a Go error string.
func Message(err error) string {
	if err == nil {
		return ""
	}
	if text, ok := sentence(err); ok {
		return text
	}
	return "Une erreur inattendue s'est produite ; l'opération n'a pas été faite. Le détail est inscrit au journal."
}

// sentence is the French sentence of err, false for an error without one
// of its own (a disk or database failure).
func sentence(err error) (string, bool) {
	var locked *LockedError
	if errors.As(err, &locked) {
		return fmt.Sprintf("Trop d'échecs de connexion : ce numéro d'hébergement est bloqué jusqu'à %s.",
			locked.Until.In(clock.Paris()).Format("15h04")), true
	}
	var reserved *ReservedError
	if errors.As(err, &reserved) {
		return fmt.Sprintf("Le nombre de licences réservées pour les administrateurs doit être compris entre 0 et %d (les licences du mode administratif).", reserved.Admin), true
	}
	var cas *CASURLError
	if errors.As(err, &cas) {
		return "Adresse du serveur CAS incorrecte : " + cas.Reason, true
	}
	var pre *PreVersionError
	if errors.As(err, &pre) {
		v := pre.View
		return fmt.Sprintf("La pré-version %d se demande du %s au %s. Sinon, la bascule vers PRONOTE %d se fait automatiquement le %s à %s.",
			v.Next, fr.Date(v.PreVersionFrom), fr.Date(v.PreVersionUntil.Add(-time.Second)), v.Next, fr.Date(v.SwitchAt), fr.Hour(v.SwitchAt)), true
	}
	var instant *InstantError
	if errors.As(err, &instant) {
		if instant.Future {
			return "Cette date est dans le futur : choisissez une minute passée, des 7 derniers jours.", true
		}
		return fmt.Sprintf("Cette date est trop ancienne : l'état de la base se retrouve au plus tôt le %s (7 jours).",
			fr.DateTime(instant.Earliest.Add(time.Minute-1).Truncate(time.Minute))), true
	}
	var notPrev *NotPreviousYearError
	if errors.As(err, &notPrev) {
		if notPrev.First == notPrev.Last {
			return fmt.Sprintf("Cette année scolaire n'est pas une année précédente de l'établissement : la seule est %s.", notPrev.Last), true
		}
		return fmt.Sprintf("Cette année scolaire n'est pas une année précédente de l'établissement : choisissez-en une de %s à %s.",
			notPrev.First, notPrev.Last), true
	}
	var year *YearMismatchError
	if errors.As(err, &year) {
		return fmt.Sprintf("Cette base est de l'année scolaire %s : choisissez une base de l'année %s.", year.Base, year.Want), true
	}
	var seat *seats.SeatError
	if errors.As(err, &seat) {
		return SeatSentence(seat), true
	}
	for _, m := range messages {
		if errors.Is(err, m.err) {
			return m.text, true
		}
	}
	return "", false
}

// SeatSentence is the French reason of a refusal for lack of a licence, as
// the client (429) and the console's list of refusals read it.
func SeatSentence(e *seats.SeatError) string {
	if e.Full {
		return fmt.Sprintf("Le serveur a atteint son nombre maximal de connexions simultanées (%s) : réessayez dans quelques minutes.",
			fr.Count(e.Total))
	}
	if e.Reserved > 0 {
		return fmt.Sprintf("Les licences libres du mode administratif sont réservées aux membres du groupe Administration "+
			"(%s réservée%s sur %d) : réessayez plus tard.", fr.Count(e.Reserved), plural(e.Reserved), e.Total+e.Reserved)
	}
	return fmt.Sprintf("Toutes les licences du %s sont utilisées (%d sur %d) : réessayez quand un utilisateur se sera déconnecté.",
		strings.ToLower(e.Mode.French()[:1])+e.Mode.French()[1:], e.Used, e.Total)
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// actionLabels are the journal's actions in the console's words.
var actionLabels = map[string]string{
	"login":                "Connexion",
	"login.key":            "Connexion par clé SSH",
	"key.enroll":           "Enregistrement d'une clé SSH",
	"key.rename":           "Clé SSH renommée",
	"key.revoke":           "Révocation d'une clé SSH",
	"base.load":            "Chargement d'une base",
	"base.create":          "Création d'une base",
	"base.delete":          "Suppression d'une base",
	"base.open":            "Ouverture d'une base",
	"annex.attach":         "Ajout d'une annexe",
	"server.start":         "Mise en service",
	"server.stop":          "Arrêt du serveur",
	"credentials.request":  "Demande des identifiants",
	"credentials.reset":    "Nouveaux identifiants",
	"establishment.create": "Création de l'établissement",
	"contract.renew":       "Renouvellement du contrat (pro forma)",
	"invoice.issue":        "Facture émise",
	"connection.close":     "Déconnexion d'un utilisateur",
	"seats.reserve":        "Licences réservées aux administrateurs",
	"seats.set":            "Licences du contrat",
	"backup.create":        "Sauvegarde manuelle",
	"backup.nightly":       "Sauvegarde de la nuit",
	"backup.open":          "Ouverture d'une sauvegarde",
	"backup.download":      "Téléchargement d'une sauvegarde",
	"backup.instant":       "Ouverture de l'état à une date",
	"backup.prune":         "Sauvegardes anciennes supprimées",
	"backup.retention":     "Politique de conservation",
	"year.replace":         "Base d'une année précédente",
	"publication.publish":  "Publication de la base",
	"publication.stop":     "Arrêt de la publication",
	"espace.publish":       "Publication d'un Espace",
	"espace.unpublish":     "Retrait d'un Espace",
	"auth.set":             "Authentification déléguée",
	"version.switch":       "Passage à la version suivante",
	"invitation.create":    "Invitation créée",
	"invitation.cancel":    "Invitation annulée",
	"invitation.use":       "Invitation utilisée",
	"credentials.send":     "Identifiants renvoyés",
}

// ActionLabel is the French name of a journal action, for every front end
// that shows the journal; an action without one shows as recorded.
func ActionLabel(action string) string {
	if s, ok := actionLabels[action]; ok {
		return s
	}
	return action
}
