package console

import (
	"fmt"
	"slices"
	"time"
)

// Role is an officer's power; each role includes the ones below it. The names and their
// order are the admin API's (bot/httpapi Role), so one officer means the same in both.
type Role int

// Roles, in increasing power.
const (
	RoleViewer      Role = iota + 1 // read pages and figures
	RoleEditor                      // answer questions, edit office settings
	RoleBroadcaster                 // plan and send announcements
	RoleAdmin                       // manage officers, connect OAs
)

var roleNames = []struct {
	role        Role
	name, label string
}{
	{RoleViewer, "viewer", "Xem"},
	{RoleEditor, "editor", "Biên tập"},
	{RoleBroadcaster, "broadcaster", "Gửi thông báo"},
	{RoleAdmin, "admin", "Quản trị"},
}

// ParseRole reads a config role name (viewer, editor, broadcaster, admin).
func ParseRole(s string) (Role, error) {
	for _, r := range roleNames {
		if r.name == s {
			return r.role, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q (viewer, editor, broadcaster or admin)", s)
}

// String is the config name of the role ("none" for the zero Role).
func (r Role) String() string {
	for _, n := range roleNames {
		if n.role == r {
			return n.name
		}
	}
	return "none"
}

// Label is the role's Vietnamese name, as the console shows it.
func (r Role) Label() string {
	for _, n := range roleNames {
		if n.role == r {
			return n.label
		}
	}
	return "Không có quyền"
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r >= RoleViewer && r <= RoleAdmin }

// AllAccounts is the account scope that means every account.
const AllAccounts = "*"

// Officer is a person who signs in to the console, as resolved for a request: officers of
// the config file take their role and accounts from the file (it stays authoritative);
// the others are kept in the store.
type Officer struct {
	Name string
	Role Role
	// Accounts the officer may act on; "*" means all.
	Accounts []string
	// File is true for an officer of the config file.
	File bool
	// HasPassword is true once the officer has set a password (through an invite).
	HasPassword bool
	// Disabled officers cannot sign in; their sessions are gone.
	Disabled bool
	// Created is when the store record was made (zero for a file officer never invited).
	Created time.Time
	// LastSignIn is the last successful sign-in (zero: never).
	LastSignIn time.Time
	// InvitedBy names who sent the invite that set the password.
	InvitedBy string
}

// MayAct reports whether the officer's scope includes the account.
func (o Officer) MayAct(account string) bool {
	return slices.Contains(o.Accounts, AllAccounts) || (account != "" && slices.Contains(o.Accounts, account))
}

// Can reports whether the officer has at least role on the account.
func (o Officer) Can(role Role, account string) bool {
	return !o.Disabled && o.Role >= role && o.MayAct(account)
}
