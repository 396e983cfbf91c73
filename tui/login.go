package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
)

// Fields of the login screen, in focus order.
const (
	fieldHosting = iota
	fieldPassword
	fieldInvoice
	fieldKeyName
	fieldCount
)

// credentialsSent is the answer to "Identifiants perdus ?", the same whether
// the number exists or not, so that the screen tells nothing about it.
const credentialsSent = "Si ce numéro d'hébergement existe, vos identifiants viennent d'être renvoyés : " +
	"le numéro d'hébergement et le numéro de facture par e-mail, un nouveau mot de passe par SMS."

// loginScreen asks for the hosting number and the password, and for the
// invoice number when the back end says it is the first login.
type loginScreen struct {
	c    *common.Context
	b    *backend.Backend
	addr string
	// enroll, when set, makes this the enrollment screen of an SSH key.
	enroll *Enroll
	inputs [fieldCount]textinput.Model
	// invoice is true once the back end asked for the invoice number.
	invoice bool
	focus   int
	busy    bool
	msg     string
	msgErr  bool
	width   int
	height  int
}

func newLoginScreen(c *common.Context, b *backend.Backend, opts Options) *loginScreen {
	l := &loginScreen{c: c, b: b, addr: opts.Addr, enroll: opts.Enroll}
	if l.addr == "" {
		l.addr = "local"
	}
	for i := range l.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.KeyMap.Paste.SetEnabled(false) // the clipboard of the machine running the console, not the user's
		in.KeyMap.AcceptSuggestion.SetEnabled(false)
		in.KeyMap.NextSuggestion.SetEnabled(false)
		in.KeyMap.PrevSuggestion.SetEnabled(false)
		l.inputs[i] = in
	}
	l.inputs[fieldHosting].CharLimit = 32
	l.inputs[fieldHosting].Placeholder = "12 chiffres"
	l.inputs[fieldHosting].SetValue(opts.Prefill.HostingNumber)
	l.inputs[fieldPassword].CharLimit = 64
	l.inputs[fieldPassword].EchoMode = textinput.EchoPassword
	l.inputs[fieldPassword].EchoCharacter = '•'
	l.inputs[fieldPassword].Placeholder = "reçu par SMS"
	l.inputs[fieldPassword].SetValue(opts.Prefill.Password)
	l.inputs[fieldInvoice].CharLimit = 32
	l.inputs[fieldInvoice].Placeholder = "10 chiffres"
	l.inputs[fieldKeyName].CharLimit = backend.MaxKeyName
	l.inputs[fieldKeyName].Placeholder = "par exemple : poste du secrétariat"
	if opts.Enroll != nil {
		l.inputs[fieldKeyName].SetValue(opts.Enroll.Name)
		// The enrollment screen's labels are wider, its fields narrower:
		// the placeholders must hold in 31 columns, and the code comes
		// from the responsable, not by SMS.
		l.inputs[fieldPassword].Placeholder = "reçu par SMS ou du responsable"
		l.inputs[fieldKeyName].Placeholder = "ex. : poste du secrétariat"
	}
	if opts.Prefill.HostingNumber != "" && opts.Prefill.Password == "" {
		l.focus = fieldPassword
	}
	l.restyle()
	l.focusField(l.focus)
	return l
}

func (l *loginScreen) restyle() {
	for i := range l.inputs {
		l.inputs[i].SetStyles(l.c.Styles.Input)
	}
}

func (l *loginScreen) SetSize(w, h int) {
	l.width, l.height = w, h
	iw := l.inputWidth()
	for i := range l.inputs {
		l.inputs[i].SetWidth(iw)
	}
}

// formWidth is the width of the login box.
func (l *loginScreen) formWidth() int { return min(max(l.width-4, 40), 72) }

func (l *loginScreen) inputWidth() int { return max(l.formWidth()-4-l.labelWidth()-1, 8) }

// labelWidth is the width of the labels' column: wider on the enrollment
// screen, whose second field reads "Mot de passe ou code d'invitation".
func (l *loginScreen) labelWidth() int {
	if l.enroll != nil {
		return 36
	}
	return 24
}

// shown lists the fields on screen, in focus order: the key's name only on
// the enrollment screen, the invoice number once the back end asked for it.
func (l *loginScreen) shown() []int {
	f := []int{fieldHosting, fieldPassword}
	if l.invoice {
		f = append(f, fieldInvoice)
	}
	if l.enroll != nil {
		f = append(f, fieldKeyName)
	}
	return f
}

// step moves the focus by d among the shown fields.
func (l *loginScreen) step(d int) {
	f := l.shown()
	at := 0
	for i, v := range f {
		if v == l.focus {
			at = i
		}
	}
	l.focusField(f[(at+d+len(f))%len(f)])
}

func (l *loginScreen) focusField(i int) {
	l.focus = i
	for j := range l.inputs {
		if j == i {
			l.inputs[j].Focus()
		} else {
			l.inputs[j].Blur()
		}
	}
}

func (l *loginScreen) Update(msg tea.Msg) tea.Cmd {
	k := l.c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Submit):
			return l.submit()
		case key.Matches(msg, k.LostCredentials):
			return l.lostCredentials()
		case key.Matches(msg, k.NextField):
			l.step(1)
			return nil
		case key.Matches(msg, k.PrevField):
			l.step(-1)
			return nil
		}
		return common.TypeKey(&l.inputs[l.focus], msg)
	case tea.PasteMsg:
		return common.Paste(&l.inputs[l.focus], msg)
	case loginFailedMsg:
		l.busy = false
		switch {
		case errors.Is(msg.err, backend.ErrInvoiceRequired):
			l.invoice = true
			l.focusField(fieldInvoice)
			l.msg, l.msgErr = backend.Message(msg.err), false
		case errors.Is(msg.err, backend.ErrBadInvoice):
			l.focusField(fieldInvoice)
			l.msg, l.msgErr = backend.Message(msg.err), true
		default:
			l.inputs[fieldPassword].SetValue("")
			l.focusField(fieldPassword)
			l.msg, l.msgErr = backend.Message(msg.err), true
		}
		return nil
	case credentialsSentMsg:
		l.busy = false
		if msg.err != nil {
			l.msg, l.msgErr = backend.Message(msg.err), true
		} else {
			l.msg, l.msgErr = credentialsSent, false
		}
		return nil
	}
	return nil
}

// notice shows a message from outside the console (the SSH server: a time
// limit, a shutdown) where the screen says what happened.
func (l *loginScreen) notice(text string) {
	l.msg, l.msgErr = text, true
}

func (l *loginScreen) submit() tea.Cmd {
	if l.busy {
		return nil
	}
	req := backend.LoginRequest{
		HostingNumber: strings.TrimSpace(l.inputs[fieldHosting].Value()),
		Password:      l.inputs[fieldPassword].Value(),
		Addr:          l.addr,
	}
	if l.invoice {
		req.Invoice = strings.TrimSpace(l.inputs[fieldInvoice].Value())
	}
	switch {
	case req.HostingNumber == "":
		l.focusField(fieldHosting)
		l.msg, l.msgErr = "Saisissez votre numéro d'hébergement (reçu par e-mail).", true
		return nil
	case req.Password == "" && l.enroll != nil:
		l.focusField(fieldPassword)
		l.msg, l.msgErr = "Saisissez votre mot de passe (reçu par SMS) ou le code d'invitation reçu du responsable de l'hébergement.", true
		return nil
	case req.Password == "":
		l.focusField(fieldPassword)
		l.msg, l.msgErr = "Saisissez votre mot de passe (reçu par SMS).", true
		return nil
	case l.invoice && req.Invoice == "":
		l.focusField(fieldInvoice)
		l.msg, l.msgErr = "Saisissez le numéro de votre dernière facture (reçu par e-mail).", true
		return nil
	}
	l.busy = true
	l.msg, l.msgErr = "Connexion…", false
	if l.enroll != nil {
		return enrollCmd(l.b, req, backend.EnrollKey{Fingerprint: l.enroll.Fingerprint, PublicKey: l.enroll.PublicKey,
			Name: strings.TrimSpace(l.inputs[fieldKeyName].Value())}, l.enroll.Enrolled)
	}
	return loginCmd(l.b, req)
}

func (l *loginScreen) lostCredentials() tea.Cmd {
	if l.busy {
		return nil
	}
	hn := strings.TrimSpace(l.inputs[fieldHosting].Value())
	if hn == "" {
		l.focusField(fieldHosting)
		l.msg, l.msgErr = "Saisissez d'abord votre numéro d'hébergement, puis appuyez sur ctrl+r.", true
		return nil
	}
	l.busy = true
	l.msg, l.msgErr = "Demande en cours…", false
	return credentialsCmd(l.b, hn, l.addr)
}

// View draws the login box centred in the screen.
func (l *loginScreen) View() string {
	st := l.c.Styles
	w := l.formWidth()
	inner := w - 4
	labelW := l.labelWidth()
	var lines []string
	title := "Console d'hébergement PRONOTE"
	if l.enroll != nil {
		title = "Enregistrer votre clé SSH"
		for _, s := range common.Wrap("Cette clé n'est pas encore enregistrée. Identifiez-vous une fois avec vos identifiants "+
			"d'hébergement : elle sera enregistrée comme clé du responsable de l'hébergement (SPR). Avec le code "+
			"d'invitation reçu du responsable, elle le sera pour le groupe Administration. Ensuite vous entrerez "+
			"directement.", inner) {
			lines = append(lines, st.Muted.Render(s))
		}
		lines = append(lines, st.Muted.Render("Empreinte ")+common.Fit(l.enroll.Fingerprint, inner-10), "")
	} else {
		lines = append(lines, st.Muted.Render("Pilotez votre Serveur PRONOTE hébergé."), "")
	}
	labels := [fieldCount]string{"Numéro d'hébergement", "Mot de passe", "Numéro de facture", "Nom de la clé"}
	if l.enroll != nil {
		// A local login acts as SPR and takes no code.
		labels[fieldPassword] = "Mot de passe ou code d'invitation"
	}
	for _, i := range l.shown() {
		lab := st.Label
		marker := "  "
		if i == l.focus {
			lab = st.Accent
			marker = st.FocusFg.Render("▸ ")
		}
		lines = append(lines, marker+lab.Render(common.Fit(labels[i], labelW-2))+l.inputs[i].View())
		if i == fieldInvoice {
			for _, s := range common.Wrap("Demandé lors de la première connexion uniquement (reçu par e-mail).", inner-labelW) {
				lines = append(lines, strings.Repeat(" ", labelW)+st.Muted.Render(s))
			}
		}
	}
	lines = append(lines, "")
	btn := st.ButtonFocused.Render("[ Se connecter ]") + st.Muted.Render(" entrée")
	lost := st.Accent.Render("Identifiants perdus ?") + st.Muted.Render(" ctrl+r")
	gap := inner - ansi.StringWidth(btn) - ansi.StringWidth(lost)
	if gap >= 2 {
		lines = append(lines, btn+strings.Repeat(" ", gap)+lost)
	} else {
		lines = append(lines, btn, lost)
	}
	if l.msg != "" {
		lines = append(lines, "")
		ms := st.Muted
		if l.msgErr {
			ms = st.Error
		}
		for _, s := range common.Wrap(l.msg, inner) {
			lines = append(lines, ms.Render(s))
		}
	}
	b := common.Box(st, title, lines, w, len(lines)+2, true)
	return lipgloss.Place(l.width, l.height, lipgloss.Center, lipgloss.Center, b)
}

func (l *loginScreen) ShortHelp() []key.Binding {
	k := l.c.Keys
	return []key.Binding{k.Submit, k.NextField, k.LostCredentials, k.ForceQuit}
}

func (l *loginScreen) FullHelp() [][]key.Binding {
	k := l.c.Keys
	return [][]key.Binding{{k.Submit, k.LostCredentials}, {k.NextField, k.PrevField}, {k.ForceQuit}}
}
