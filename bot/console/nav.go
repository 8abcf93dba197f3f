package console

import "strings"

// NavID names an entry of the console's navigation. The entries and their order are fixed
// here; a Section fills one with Router.Nav, and entries nothing fills are hidden.
type NavID string

// The navigation entries, in menu order.
const (
	NavHome          NavID = "home"          // Tổng quan
	NavQuestions     NavID = "questions"     // Câu hỏi chưa trả lời được
	NavAnnouncements NavID = "announcements" // Thông báo
	NavPosters       NavID = "posters"       // In áp phích
	NavCatalogue     NavID = "catalogue"     // Danh mục thủ tục
	NavHealth        NavID = "health"        // Tình trạng kết nối OA
	NavSettings      NavID = "settings"      // Cài đặt đơn vị
	NavOfficers      NavID = "officers"      // Quản lý cán bộ (admin)
)

var navMenu = []struct {
	id    NavID
	label string
}{
	{NavHome, "Tổng quan"},
	{NavQuestions, "Câu hỏi chưa trả lời được"},
	{NavAnnouncements, "Thông báo"},
	{NavPosters, "In áp phích"},
	{NavCatalogue, "Danh mục thủ tục"},
	{NavHealth, "Tình trạng kết nối OA"},
	{NavSettings, "Cài đặt đơn vị"},
	{NavOfficers, "Quản lý cán bộ"},
}

func navLabel(id NavID) (string, bool) {
	for _, e := range navMenu {
		if e.id == id {
			return e.label, true
		}
	}
	return "", false
}

// navEntry is a filled entry: where it points and who sees it (its GET route's role).
type navEntry struct {
	id   NavID
	path string
	role Role
}

// NavItem is one link of the navigation as a page shows it.
type NavItem struct {
	ID    NavID
	Label string
	URL   string
	// Current marks the entry of the page shown (aria-current="page").
	Current bool
}

// navFor lists the entries officer may open, in menu order; path (relative to the
// console root) decides the current one: the longest entry path that is path or a parent.
func (h *Handler) navFor(off *Officer, path string) []NavItem {
	if off == nil {
		return nil
	}
	var items []NavItem
	best, bestLen := -1, -1
	for _, m := range navMenu {
		for _, e := range h.nav {
			if e.id != m.id || off.Role < e.role {
				continue
			}
			if under(path, e.path) && len(e.path) > bestLen {
				best, bestLen = len(items), len(e.path)
			}
			items = append(items, NavItem{ID: e.id, Label: m.label, URL: h.url(e.path)})
		}
	}
	if best >= 0 {
		items[best].Current = true
	}
	return items
}

// under reports whether path is base or below it ("/" only matches itself: the home
// page is not the parent of every page).
func under(path, base string) bool {
	if base == "/" {
		return path == "/"
	}
	return path == base || strings.HasPrefix(path, strings.TrimSuffix(base, "/")+"/")
}
