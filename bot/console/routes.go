package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Section is a part of the console that another file adds: its routes and, optionally,
// the navigation entry it fills. A section is one handler file plus its template(s) in
// templates/; cmd/oabot passes it in Options.Sections with the data sources it needs:
//
//	// questions.go
//	type Questions struct{ Store QuestionStore }
//
//	func (q *Questions) Routes(r *console.Router) {
//		r.Get("/questions", console.RoleViewer, q.list)
//		r.Post("/questions/{id}/assign", console.RoleEditor, q.assign)
//		r.Nav(console.NavQuestions, "/questions")
//	}
//
//	func (q *Questions) list(w http.ResponseWriter, r *http.Request, s *console.Session) error {
//		acc := s.Account()
//		if err := s.RequireRole(console.RoleViewer, acc.ID); err != nil {
//			return err
//		}
//		m := questionsModel{Page: s.Page("Câu hỏi chưa trả lời được")}
//		…
//		return s.Render(w, http.StatusOK, "questions", &m) // templates/questions.html
//	}
type Section interface {
	Routes(r *Router)
}

// HandlerFunc serves one console route for a signed-in officer. A returned error becomes
// the error page: an *HTTPError (ErrNotFound, ErrForbidden, …) with its status and
// message, anything else a logged 500.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, s *Session) error

// Router is what a Section registers its routes on. Paths are relative to the console's root
// ("/questions" is served at /console/questions) and use Go 1.22 patterns ("{id}").
type Router struct {
	h    *Handler
	errs []error
}

// RouteInfo describes a registered route (for the auth matrix tests).
type RouteInfo struct {
	Method string
	Path   string // relative to the console root, as registered
	// Role is the least role the route needs; 0 for public routes (sign-in, invites,
	// static files).
	Role Role
}

// Get registers a GET (and HEAD) route that needs a signed-in officer with at least role.
func (r *Router) Get(path string, role Role, h HandlerFunc) { r.handle(http.MethodGet, path, role, h) }

// Post registers a POST route that needs a signed-in officer with at least role; the
// CSRF token and the Origin are checked before h runs.
func (r *Router) Post(path string, role Role, h HandlerFunc) {
	r.handle(http.MethodPost, path, role, h)
}

// Nav shows the navigation entry id, pointing at path, to the officers allowed on the
// GET route registered at path. Entries no page fills stay hidden.
func (r *Router) Nav(id NavID, path string) {
	if _, ok := navLabel(id); !ok {
		r.errs = append(r.errs, fmt.Errorf("console: unknown navigation entry %q", id))
		return
	}
	for _, n := range r.h.nav {
		if n.id == id {
			r.errs = append(r.errs, fmt.Errorf("console: navigation entry %q filled twice", id))
			return
		}
	}
	r.h.nav = append(r.h.nav, navEntry{id: id, path: path})
}

func (r *Router) handle(method, path string, role Role, h HandlerFunc) {
	if !role.Valid() {
		r.errs = append(r.errs, fmt.Errorf("console: %s %s: sections need a role (RoleViewer or above)", method, path))
		return
	}
	if err := r.h.register(route{method: method, path: path, role: role, h: h}); err != nil {
		r.errs = append(r.errs, err)
	}
}

// route is one registered route; public routes run without a signed-in officer.
type route struct {
	method, path string
	role         Role
	public       bool
	// anonymous: a GET that needs a session (created if missing), for the CSRF token of
	// its form (sign-in, invite).
	anonymous bool
	h         HandlerFunc
}

// register adds a route to the mux, turning the mux's panic on a conflicting pattern into
// an error.
func (h *Handler) register(rt route) (err error) {
	if !strings.HasPrefix(rt.path, "/") {
		return fmt.Errorf("console: route %q does not start with /", rt.path)
	}
	pattern := rt.path
	if pattern == "/" {
		pattern = "/{$}" // the home page only, not every path
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("console: route %s %s: %v", rt.method, rt.path, v)
		}
	}()
	h.mux.Handle(rt.method+" "+pattern, h.wrap(rt))
	h.routes = append(h.routes, RouteInfo{Method: rt.method, Path: rt.path, Role: rt.role})
	return nil
}

// checkNav verifies that every filled entry points at a registered GET route, and keeps
// that route's role as the entry's.
func (h *Handler) checkNav() error {
	var errs []error
	for i, n := range h.nav {
		found := false
		for _, rt := range h.routes {
			if rt.Method == http.MethodGet && rt.Path == n.path && rt.Role.Valid() {
				h.nav[i].role, found = rt.Role, true
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("console: navigation entry %q: no GET route %s", n.id, n.path))
		}
	}
	return errors.Join(errs...)
}

// Routes lists the registered routes, in registration order.
func (h *Handler) Routes() []RouteInfo { return append([]RouteInfo(nil), h.routes...) }
