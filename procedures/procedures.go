// Package procedures holds the catalogue of administrative procedures (thủ tục hành chính,
// TTHC) and the Vietnamese search over it.
//
// It is a leaf package: it imports nothing from this module, and does no network, Redis or
// HTTP work. The record model mirrors the fields of a procedure on the national portal
// dichvucong.gov.vn (see ../shared/docs/vietnamese-search.md §4).
package procedures

// Record is one administrative procedure as shown to citizens.
//
// Field names in YAML/JSON are the snake_case tags below; they are the catalogue file
// format that officers edit, so renaming one is a breaking change.
type Record struct {
	// Code is the national procedure code (mã thủ tục), e.g. "1.004222". Unique.
	Code string `yaml:"code" json:"code"`
	// ShortCode is an optional short code printed on QR posters ("12" → citizens type "#12").
	// Unique within a catalogue when set.
	ShortCode string `yaml:"short_code,omitempty" json:"short_code,omitempty"`
	// Name is the official name (Tên thủ tục), with correct diacritics.
	Name string `yaml:"name" json:"name"`
	// Aliases are everyday names citizens use ("làm căn cước", "nhập hộ khẩu"); searched.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Keywords are extra search terms that are not names ("cccd", "chip").
	Keywords []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	// Field is the lĩnh vực, e.g. "Đăng ký, quản lý cư trú".
	Field string `yaml:"field,omitempty" json:"field,omitempty"`
	// Levels are the cấp thực hiện: "Cấp bộ", "Cấp tỉnh", "Cấp xã", "Cơ quan khác".
	Levels []string `yaml:"levels,omitempty" json:"levels,omitempty"`
	// Agency is the body that handles the procedure (Cơ quan thực hiện), after the 2025
	// two-tier reform (no district level).
	Agency string `yaml:"agency,omitempty" json:"agency,omitempty"`
	// Where tells the citizen where to submit (Địa chỉ tiếp nhận hồ sơ).
	Where string `yaml:"where,omitempty" json:"where,omitempty"`
	// Applicants says who may apply (Đối tượng thực hiện).
	Applicants string `yaml:"applicants,omitempty" json:"applicants,omitempty"`
	// Steps is the ordered sequence of steps (Trình tự thực hiện). At least one.
	Steps []string `yaml:"steps" json:"steps"`
	// Channels are the ways to submit (Cách thức thực hiện), each with its own time and fee.
	Channels []Channel `yaml:"channels,omitempty" json:"channels,omitempty"`
	// Documents is the dossier (Thành phần hồ sơ).
	Documents []Document `yaml:"documents,omitempty" json:"documents,omitempty"`
	// Conditions are requirements (Yêu cầu, điều kiện thực hiện).
	Conditions []string `yaml:"conditions,omitempty" json:"conditions,omitempty"`
	// Results are what the citizen receives (Kết quả thực hiện).
	Results []string `yaml:"results,omitempty" json:"results,omitempty"`
	// LegalBasis lists the legal documents (Căn cứ pháp lý).
	LegalBasis []string `yaml:"legal_basis,omitempty" json:"legal_basis,omitempty"`
	// Related lists codes of related procedures (same family, other levels, variants).
	Related []string `yaml:"related,omitempty" json:"related,omitempty"`
	// PortalURL is the procedure's page on dichvucong.gov.vn.
	PortalURL string `yaml:"portal_url,omitempty" json:"portal_url,omitempty"`
	// OnlineURL is where to submit online, when different from PortalURL.
	OnlineURL string `yaml:"online_url,omitempty" json:"online_url,omitempty"`
	// LastVerified is the date (YYYY-MM-DD) someone last checked the record against the portal.
	LastVerified string `yaml:"last_verified,omitempty" json:"last_verified,omitempty"`
	// Tags group records for offices and menus, e.g. "police", "ward", "residence", "id-card".
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Decision is the announcing decision (Số quyết định), e.g. "1523/QĐ-BCA-C06".
	Decision string `yaml:"decision,omitempty" json:"decision,omitempty"`
}

// Channel is one submission channel with its own processing time and fee.
type Channel struct {
	// Kind is one of ChannelDirect, ChannelOnline, ChannelPost.
	Kind string `yaml:"kind" json:"kind"`
	// Time is the processing time as citizens read it, e.g. "7 ngày làm việc".
	Time string `yaml:"time,omitempty" json:"time,omitempty"`
	// Fee is the fee as citizens read it, e.g. "20.000 đồng" or "Miễn phí".
	Fee string `yaml:"fee,omitempty" json:"fee,omitempty"`
	// Note keeps the portal's description text (discounts, exceptions).
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Channel kinds.
const (
	ChannelDirect = "direct" // Trực tiếp
	ChannelOnline = "online" // Trực tuyến
	ChannelPost   = "post"   // Dịch vụ bưu chính
)

// Document is one item of the dossier.
type Document struct {
	// Name of the paper, e.g. "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)".
	Name string `yaml:"name" json:"name"`
	// Form is the form's name when the paper is a form to fill in (e.g. "CT01").
	Form string `yaml:"form,omitempty" json:"form,omitempty"`
	// FormURL is where to download the form.
	FormURL string `yaml:"form_url,omitempty" json:"form_url,omitempty"`
	// Originals and Copies are the numbers of originals (bản chính) and copies (bản sao).
	Originals int `yaml:"originals,omitempty" json:"originals,omitempty"`
	Copies    int `yaml:"copies,omitempty" json:"copies,omitempty"`
	// Optional marks papers that are not always required.
	Optional bool `yaml:"optional,omitempty" json:"optional,omitempty"`
	// Case names the situation the paper belongs to, when the dossier depends on the case
	// ("Trường hợp nhập hộ khẩu cho con"). Empty means every case.
	Case string `yaml:"case,omitempty" json:"case,omitempty"`
}
