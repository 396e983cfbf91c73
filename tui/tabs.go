package tui

import (
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/tabs/account"
	"github.com/hebergement/console/tui/tabs/backups"
	"github.com/hebergement/console/tui/tabs/bases"
	"github.com/hebergement/console/tui/tabs/connections"
	"github.com/hebergement/console/tui/tabs/pronote"
)

// tabs is the registry of the console's tabs, in the order of SPEC §15:
// Autres bases, Sauvegardes, Suivi des connexions, PRONOTE.net, Mon compte.
// The root builds them at login from here and nowhere else; a tab is one
// line: its package's New. 1–5 reach them in this order.
func tabs(c *common.Context) []common.Tab {
	return []common.Tab{
		bases.New(c),
		backups.New(c),
		connections.New(c),
		pronote.New(c),
		account.New(c),
	}
}
