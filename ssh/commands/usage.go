package commands

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
)

// The usage (on stderr after a usage error, on stdout for aide and --help)
// is written from the command tree, so that it always lists what exists.

func (r *runner) aideCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "aide [COMMAND]",
		Aliases: []string{"help"},
		Short:   "this usage; `aide COMMAND` or `COMMAND --help` tells more",
		Long:    "Print the usage, or the help of one command.",
		Args:    cobra.ArbitraryArgs,
	}
}

// runAide prints the usage, or the help of the command its arguments name.
func (r *runner) runAide(c *cobra.Command, args []string) error {
	root := c.Root()
	if len(args) == 0 {
		fmt.Fprint(r.env.Stdout, r.usage(root))
		return nil
	}
	target, rest, err := root.Find(args)
	if err != nil || target == root {
		return unknownCommand(root, args[0])
	}
	if len(rest) > 0 {
		return unknownCommand(target, rest[0])
	}
	fmt.Fprint(r.env.Stdout, r.help(target))
	return nil
}

// synopsis is a command as the usage writes it: its words and what follows
// its name in Use, "base creer [--annee 2026-2027] […]".
func synopsis(c *cobra.Command) string {
	p := path(c)
	if _, rest, ok := strings.Cut(c.Use, " "); ok {
		return p + " " + rest
	}
	return p
}

// list writes the commands as an aligned list, a long synopsis with its
// description on the next line.
func list(b *strings.Builder, cmds []*cobra.Command) {
	const col = 34
	for _, c := range cmds {
		s := synopsis(c)
		if len(s) <= col-4 {
			fmt.Fprintf(b, "  %-*s%s\n", col-2, s, c.Short)
		} else {
			fmt.Fprintf(b, "  %s\n  %-*s%s\n", s, col-2, "", c.Short)
		}
	}
}

// usage is the whole grammar.
func (r *runner) usage(root *cobra.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s COMMAND [ARGUMENTS] [FLAGS]\n", Program)
	fmt.Fprintf(&b, "       %s            (with a terminal: the hosting console; ssh -t)\n\n", Program)
	b.WriteString("Commands:\n")
	list(&b, r.leaves)
	b.WriteString(`
NOM|ID     a base's number (the n° that bases shows) or its exact name
EMPREINTE  a key's fingerprint as cles shows it, SHA256:…
ID         a connection's ID as connexions shows it (connexion deconnecter),
           or a backup's n° as sauvegardes shows it (sauvegarde ouvrir)
N          a whole number
ESPACE     professeur, parent, eleve or viescolaire (Espaces Professeurs, Parents,
           Élèves, Vie scolaire)
--ent      the ENT, one of: ` + entList() + ` (case and accents ignored)
--url      the ENT's CAS server: https://, a host name, no user, query or fragment
DATE       2026-11-30 (from midnight, Paris time) or RFC 3339, 2026-11-30T08:00:00+01:00
--instant  a minute of the last 7 days: 2026-12-03T10:15 (Paris time) or RFC 3339
           with its offset, 2026-12-03T10:15:00+01:00
--arreter  with -y: stops the server first if it is in service (its users are
           disconnected), then opens the backup
--json     JSON for scripts instead of the text for people
-y, --oui  confirms a command that cannot be undone or cuts users off (required)
(SPR)      reserved to the key of the responsable de l'hébergement

Exit status: 0 done, 1 refused (the reason, in French, on stderr), 2 usage error
(what is wrong and this usage on stderr).
Files: sftp console.hebergement, then put FILE.HNOT depot/, or get sauvegardes/FILE.HNOT
`)
	return b.String()
}

// help is the help of one command: the usage for the root, the list of its
// commands for a group, synopsis, description and flags for the others.
func (r *runner) help(c *cobra.Command) string {
	if !c.HasParent() {
		return r.usage(c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s %s\n", Program, synopsis(c))
	var subs []*cobra.Command
	for _, l := range r.leaves {
		if l.Parent() == c {
			subs = append(subs, l)
		}
	}
	if !slices.Contains(r.leaves, c) {
		// A group: its commands.
		fmt.Fprintf(&b, "\n%s.\n\nCommands:\n", strings.ToUpper(c.Short[:1])+c.Short[1:])
		list(&b, subs)
		return b.String()
	}
	if c.Long != "" {
		fmt.Fprintf(&b, "\n%s\n", c.Long)
	}
	if f := c.LocalFlags().FlagUsages(); f != "" {
		fmt.Fprintf(&b, "\nFlags:\n%s", f)
	}
	if len(subs) > 0 {
		// A command that also holds others (licences, licences reserver).
		b.WriteString("\nCommands:\n")
		list(&b, subs)
	}
	return b.String()
}

// entList is backend.ENTs wrapped under the usage's --ent line.
func entList() string {
	var b strings.Builder
	line := len("--ent      the ENT, one of: ")
	for i, e := range backend.ENTs {
		word := e
		if i < len(backend.ENTs)-1 {
			word += ","
		}
		if i > 0 {
			if line+1+utf8.RuneCountInString(word) > 78 {
				b.WriteString("\n           ")
				line = 11
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += utf8.RuneCountInString(word)
	}
	return b.String()
}
