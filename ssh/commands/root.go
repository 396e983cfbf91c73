// Package commands is every action of the console as a command for scripts,
// run over SSH without a terminal: `ssh console.hebergement COMMAND…`
// (SPEC §16). Each command calls the same back-end Session methods as the
// console, so the rules, the roles and the journal are the console's.
//
// Rules chosen where the spec leaves them open:
//
//   - Exit status: 0 done; 1 refused by a rule, with the back end's French
//     sentence on stderr; 2 usage error, with one English line saying what is
//     wrong and then the usage on stderr.
//   - The command line is parsed and checked before the back end is asked
//     anything: a usage error answers 2 whatever the key (even one that is not
//     enrolled) and costs no back-end session. Only a valid command line opens
//     the key's session; an unknown key then gets the enrollment hint (1).
//   - Destructive commands (base supprimer, serveur arreter, connexion
//     deconnecter, publication arreter, cle revoquer, and sauvegarde ouvrir
//     --arreter, which stops the server first) without --oui (-y) are usage
//     errors: nothing is asked of the back end.
//   - Command and flag names are ASCII (creer, arreter, revoquer); arguments
//     (a base's or a key's name) may be any text, and the text output passes
//     every string that came from a user or a file through sanitize.Line.
//     JSON output escapes the characters a terminal could act on.
//   - Text for people (French) by default; --json on the reads gives JSON for
//     machines. Usage and help are in English, as the CLI's.
//   - Each run builds its own command tree: nothing is shared between SSH
//     sessions, cobra never reads os.Args nor exits the process, and a panic
//     ends that command only, with status 1.
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"charm.land/log/v2"
	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/sanitize"
)

// Exit statuses of a command (SPEC §16).
const (
	ExitOK      = 0 // done
	ExitRefused = 1 // refused by a rule; the French sentence is on stderr
	ExitUsage   = 2 // usage error; what is wrong and the usage are on stderr
)

// Program is how users reach the commands, as the usage writes it.
const Program = "ssh console.hebergement"

// Env is what one command line needs from its SSH session.
type Env struct {
	// Args is the command line, without the program.
	Args []string
	// Stdout receives the result, Stderr refusals and usage errors.
	Stdout, Stderr io.Writer
	// Open opens the back-end session of the key that signed the
	// connection. It is called at most once, and only for a valid command
	// line; its error's text is told to the user as is (exit status 1).
	Open func() (*backend.Session, error)
	// Detach, when set, stops ending the SSH session when its key is
	// revoked: `cle revoquer` calls it before revoking the session's own key,
	// so that it can still say it is done.
	Detach func()
	// Log receives the panics of commands; nil discards them.
	Log *log.Logger
	// PublicURL is the base URL of the hosted server's stand-in as users
	// reach it (SPEC §8), "" when none is known: the publication commands
	// then give the paths of the pages instead of their addresses.
	PublicURL string
	// Now, when set, is the back end's clock, from which idle times are
	// measured (a server run with --now); nil is the real time.
	Now func() time.Time
}

// Run executes one command line and returns its exit status. It never
// panics: a panic in a command is logged and answers ExitRefused.
func Run(ctx context.Context, env Env) (code int) {
	r := &runner{env: env}
	defer func() {
		if p := recover(); p != nil {
			if env.Log != nil {
				env.Log.Error("panic in a command", "panic", p, "stack", string(debug.Stack()))
			}
			fmt.Fprintln(env.Stderr, backend.Message(errors.New("panic")))
			code = ExitRefused
		}
	}()
	root := r.tree()
	// Never nil, so that cobra does not read os.Args.
	args := append([]string{}, env.Args...)
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		// cobra answers shell-completion requests on its own hidden
		// command; there is no shell on the other end to complete.
		return r.fail(root, &usageError{fmt.Sprintf("unknown command %q", args[0])})
	}
	root.SetArgs(args)
	_, err := root.ExecuteContextC(ctx)
	return r.fail(root, err)
}

// runner is one execution: its environment and, once opened, its back-end
// session.
type runner struct {
	env    Env
	bs     *backend.Session
	leaves []*cobra.Command // in the order of the usage
}

// session opens the back-end session on first use.
func (r *runner) session() (*backend.Session, error) {
	if r.bs == nil {
		bs, err := r.env.Open()
		if err != nil {
			return nil, &told{err.Error()}
		}
		r.bs = bs
	}
	return r.bs, nil
}

// usageError is a command line that does not follow the grammar (status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// refusal is the back end's refusal of an action (status 1), told with its
// French sentence; perm, when set, adds who may do it.
type refusal struct {
	err  error
	perm backend.Permission
}

func (e *refusal) Error() string { return e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

// told is a refusal whose sentence is already written (status 1).
type told struct{ msg string }

func (e *told) Error() string { return e.msg }

// fail writes err where it belongs and returns the exit status. Every error
// that is not one of the commands' own is cobra's, and cobra's are about the
// command line: usage errors.
func (r *runner) fail(root *cobra.Command, err error) int {
	var (
		u *usageError
		f *refusal
		t *told
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &f):
		msg := backend.Message(f.err)
		if errors.Is(f.err, backend.ErrForbidden) && f.perm != 0 {
			msg += " " + f.perm.Who()
		}
		fmt.Fprintln(r.env.Stderr, msg)
		return ExitRefused
	case errors.As(err, &t):
		fmt.Fprintln(r.env.Stderr, sanitize.Line(t.msg))
		return ExitRefused
	case errors.As(err, &u):
	}
	// The line may quote what the user typed, and pflag does not always
	// quote it: its control characters are shown escaped.
	fmt.Fprintf(r.env.Stderr, "Error: %s\n\n", sanitize.Line(visible(err.Error())))
	fmt.Fprint(r.env.Stderr, r.usage(root))
	return ExitUsage
}

// tree builds the command tree of one execution.
func (r *runner) tree() *cobra.Command {
	root := &cobra.Command{
		Use: Program,
		// The root parses nothing itself: what follows the program is a
		// command, and anything else gets a clear line (see runRoot).
		DisableFlagParsing: true,
		Args:               cobra.ArbitraryArgs,
		RunE:               r.runRoot,
		SilenceErrors:      true,
		SilenceUsage:       true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetOut(r.env.Stdout)
	root.SetErr(r.env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprint(r.env.Stdout, r.help(c)) })

	r.statusCommands(root)
	r.baseCommands(root)
	r.serverCommands(root)
	r.backupCommands(root)
	r.connectionCommands(root)
	r.publicationCommands(root)
	r.versionCommands(root)
	r.keyCommands(root)
	r.accessCommands(root)
	r.journalCommands(root)
	r.accountCommands(root)
	// aide is cobra's help command, so that cobra adds no "help" of its own.
	root.SetHelpCommand(r.leaf(root, r.aideCmd(), r.runAide))

	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		// Declared here rather than by cobra, for a help line in English
		// words of our own.
		if c.Flags().Lookup("help") == nil {
			c.Flags().BoolP("help", "h", false, "this help")
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return root
}

// runRoot answers a command line whose first word is not a command.
func (r *runner) runRoot(c *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return usagef("missing command")
	case args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(r.env.Stdout, r.usage(c))
		return nil
	case strings.HasPrefix(args[0], "-"):
		return usagef("unknown flag %q: a command comes first", args[0])
	}
	return unknownCommand(c, args[0])
}

// unknownCommand is the usage error for a word that names no command of c.
func unknownCommand(c *cobra.Command, word string) error {
	where := ""
	if c.HasParent() {
		where = " for " + path(c)
	}
	if s := c.SuggestionsFor(word); len(s) > 0 {
		return usagef("unknown command %q%s (did you mean %s?)", word, where, strings.Join(s, " or "))
	}
	return usagef("unknown command %q%s", word, where)
}

// group adds a command that only holds subcommands (base, serveur, cle).
func (r *runner) group(parent *cobra.Command, name, short string) *cobra.Command {
	g := &cobra.Command{
		Use:   name + " COMMAND",
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("%s needs a command: %s", name, strings.Join(subNames(c), ", "))
			}
			return unknownCommand(c, args[0])
		},
	}
	parent.AddCommand(g)
	return g
}

func subNames(c *cobra.Command) []string {
	var out []string
	for _, s := range c.Commands() {
		if s.Name() != "help" {
			out = append(out, s.Name())
		}
	}
	return out
}

// leaf adds a command that does something. Its run function's errors that
// are not usage errors are the back end's refusals, told in French.
func (r *runner) leaf(parent *cobra.Command, c *cobra.Command, run func(c *cobra.Command, args []string) error) *cobra.Command {
	c.RunE = func(c *cobra.Command, args []string) error {
		err := run(c, args)
		var (
			u *usageError
			f *refusal
			t *told
		)
		if err == nil || errors.As(err, &u) || errors.As(err, &f) || errors.As(err, &t) {
			return err
		}
		return &refusal{err: err}
	}
	parent.AddCommand(c)
	r.leaves = append(r.leaves, c)
	return c
}

// args checks the positional arguments: exactly the names given.
func args(names ...string) cobra.PositionalArgs {
	return func(c *cobra.Command, got []string) error {
		switch {
		case len(got) < len(names):
			return usagef("%s: missing %s", path(c), strings.Join(names[len(got):], " "))
		case len(got) > len(names):
			return usagef("%s: unexpected argument %q", path(c), got[len(names)])
		}
		return nil
	}
}

// confirmed refuses a destructive command without --oui.
func confirmed(c *cobra.Command, what string) error {
	if yes, _ := c.Flags().GetBool("oui"); !yes {
		return usagef("%s %s: add --oui (-y) to confirm", path(c), what)
	}
	return nil
}

func addConfirm(c *cobra.Command) {
	c.Flags().BoolP("oui", "y", false, "confirm: this cannot be undone")
}

func addJSON(c *cobra.Command) {
	c.Flags().Bool("json", false, "machine-readable output (JSON)")
}

func wantJSON(c *cobra.Command) bool {
	v, _ := c.Flags().GetBool("json")
	return v
}

// path is the command's words after the program: "base ouvrir".
func path(c *cobra.Command) string {
	var words []string
	for ; c != nil && c.HasParent(); c = c.Parent() {
		words = append([]string{c.Name()}, words...)
	}
	return strings.Join(words, " ")
}
