package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Form is a submitted form being checked: its values (NFC, trimmed), a message per field
// in error and form-level messages. One parse-and-validate function per form builds one;
// an invalid form is shown again with status 422, its values kept (passwords never), the
// messages beside the fields and summed up on top; a valid one ends in a 303 (PRG).
//
//	f := console.ParseForm(r, "name", "text")
//	f.Required("name", "Vui lòng nhập tên.")
//	f.MaxRunes("text", 2000, "Nội dung dài quá 2.000 ký tự.")
//	if !f.Valid() {
//		m.Form = f
//		return s.Render(w, http.StatusUnprocessableEntity, "settings", &m)
//	}
type Form struct {
	values map[string]string
	secret map[string]string // read with Secret, never echoed
	errs   map[string]string
	order  []FieldError
}

// FieldError is one message of the summary; Field is "" for a form-level message.
type FieldError struct {
	Field   string
	ID      string // the input's id, for the summary's link
	Message string
}

// NewForm returns an empty form (a page's first showing).
func NewForm() *Form {
	return &Form{values: map[string]string{}, secret: map[string]string{}, errs: map[string]string{}}
}

// ParseForm reads the named fields of a POST body (the CSRF check already parsed it):
// NFC-normalised and trimmed. Fields read with Secret are not trimmed and never shown.
func ParseForm(r *http.Request, fields ...string) *Form {
	f := NewForm()
	for _, name := range fields {
		f.values[name] = strings.TrimSpace(norm.NFC.String(r.PostFormValue(name)))
	}
	return f
}

// Get returns a field's value.
func (f *Form) Get(name string) string { return f.values[name] }

// Set changes a field's value (e.g. a default on first showing).
func (f *Form) Set(name, value string) { f.values[name] = value }

// Secret reads a password-like field from r: NFC, not trimmed, never echoed back.
func (f *Form) Secret(r *http.Request, name string) string {
	v := norm.NFC.String(r.PostFormValue(name))
	f.secret[name] = v
	return v
}

// Fail marks a field as wrong with a message; the first message of a field wins.
func (f *Form) Fail(field, msg string) {
	if _, done := f.errs[field]; done {
		return
	}
	f.errs[field] = msg
	f.order = append(f.order, FieldError{Field: field, ID: fieldID(field), Message: msg})
}

// FailForm adds a message about the whole form (shown in the summary only).
func (f *Form) FailForm(msg string) { f.order = append(f.order, FieldError{Message: msg}) }

// Required fails an empty field.
func (f *Form) Required(field, msg string) bool {
	if f.values[field] == "" && f.secret[field] == "" {
		f.Fail(field, msg)
		return false
	}
	return true
}

// MaxRunes fails a field longer than n characters.
func (f *Form) MaxRunes(field string, n int, msg string) bool {
	if utf8.RuneCountInString(f.values[field]) > n {
		f.Fail(field, msg)
		return false
	}
	return true
}

// Valid reports whether no message was added.
func (f *Form) Valid() bool { return len(f.order) == 0 }

// Error is a field's message ("" when it is fine).
func (f *Form) Error(field string) string { return f.errs[field] }

// Errors lists the messages in the order they were added (the summary).
func (f *Form) Errors() []FieldError { return f.order }

// Field describes an input for the "field" template: label, value, error and the
// attributes that go with them (id, aria-invalid, aria-describedby).
//
//	{{template "field" (.Form.Field "name" "Tên đăng nhập").Auto "username"}}
//	{{template "field" (.Form.Field "password" "Mật khẩu").Password "current-password"}}
func (f *Form) Field(name, label string) Field {
	return Field{ID: fieldID(name), Name: name, Label: label, Type: "text", Value: f.values[name],
		Error: f.errs[name], Required: true}
}

// Field is one input as the "field" template draws it.
type Field struct {
	ID, Name, Label, Type, Value, Error string
	Autocomplete                        string
	Hint                                string
	Required                            bool
	// NoCapitalize turns off phones' automatic capital letter (names, codes).
	NoCapitalize bool
	// MaxLength is the input's maxlength (0: none).
	MaxLength int
}

// Auto sets the autocomplete attribute (e.g. "username").
func (f Field) Auto(v string) Field { f.Autocomplete = v; return f }

// Password makes a password input with that autocomplete ("current-password",
// "new-password"); its value is never sent back.
func (f Field) Password(autocomplete string) Field {
	f.Type, f.Value, f.Autocomplete = "password", "", autocomplete
	return f
}

// WithHint adds a help line under the label (linked with aria-describedby).
func (f Field) WithHint(v string) Field { f.Hint = v; return f }

// Optional makes the field not required.
func (f Field) Optional() Field { f.Required = false; return f }

// Plain turns off automatic capitals and corrections (names, codes).
func (f Field) Plain() Field { f.NoCapitalize = true; return f }

// Max sets the input's maxlength.
func (f Field) Max(n int) Field { f.MaxLength = n; return f }

// DescribedBy is the value of aria-describedby: the hint and the error, when present.
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

func fieldID(name string) string { return "f-" + name }
