package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
)

// UploadImage uploads a JPG/PNG image and returns its attachment_id for Image messages:
// POST /v2.0/oa/upload/image, multipart field "file" (zalo-oa.md §3). Images over
// MaxImageUploadBytes ([S] 1 MB) are refused locally. The id expires after AttachmentTTL
// ([S] 7 days; then -100, ErrAttachmentExpired).
//
// Zalo API docs: shape from PHP-SDK src/ZaloEndPoint.php (zalo-oa.md §3, §11).
func (c *Client) UploadImage(ctx context.Context, filename string, data []byte) (string, error) {
	if len(data) > MaxImageUploadBytes {
		return "", fmt.Errorf("%w: image is %d bytes, limit %d", ErrInvalidMessage, len(data), MaxImageUploadBytes)
	}
	var out struct {
		AttachmentID json.RawMessage `json:"attachment_id"`
	}
	if err := c.upload(ctx, "/v2.0/oa/upload/image", filename, data, &out); err != nil {
		return "", err
	}
	id := rawString(out.AttachmentID)
	if id == "" {
		return "", &APIError{Endpoint: "/v2.0/oa/upload/image", HTTPStatus: http.StatusOK, Message: "no attachment_id in answer"}
	}
	return id, nil
}

// UploadFile uploads a PDF/DOC/DOCX file and returns data.token for File messages:
// POST /v2.0/oa/upload/file, multipart field "file" (zalo-oa.md §3). Files over
// MaxFileUploadBytes ([S] 5 MB) are refused locally.
//
// Zalo API docs: shape from PHP-SDK src/ZaloEndPoint.php (zalo-oa.md §3, §11).
func (c *Client) UploadFile(ctx context.Context, filename string, data []byte) (string, error) {
	if len(data) > MaxFileUploadBytes {
		return "", fmt.Errorf("%w: file is %d bytes, limit %d", ErrInvalidMessage, len(data), MaxFileUploadBytes)
	}
	var out struct {
		Token json.RawMessage `json:"token"`
	}
	if err := c.upload(ctx, "/v2.0/oa/upload/file", filename, data, &out); err != nil {
		return "", err
	}
	tok := rawString(out.Token)
	if tok == "" {
		return "", &APIError{Endpoint: "/v2.0/oa/upload/file", HTTPStatus: http.StatusOK, Message: "no token in answer"}
	}
	return tok, nil
}

func (c *Client) upload(ctx context.Context, path, filename string, data []byte, out any) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: empty upload", ErrInvalidMessage)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filepath.Base(filename)))
	h.Set("Content-Type", partType(filename, data))
	part, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := part.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	req := request{method: http.MethodPost, path: path, body: buf.Bytes(), contentType: w.FormDataContentType()}
	return c.do(ctx, req, out)
}

// partType is the Content-Type of the uploaded part: by file extension, else sniffed.
func partType(filename string, data []byte) string {
	if t := mime.TypeByExtension(filepath.Ext(filename)); t != "" {
		return t
	}
	return http.DetectContentType(data)
}
