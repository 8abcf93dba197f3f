package zalotest

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/oabot/oabot/zalo"
)

func (s *Server) handleUploadImage(q *apiReq) result {
	return s.handleUpload(q, "image", zalo.MaxImageUploadBytes, func(data []byte, _ string) bool {
		t := http.DetectContentType(data)
		return t == "image/png" || t == "image/jpeg"
	})
}

func (s *Server) handleUploadGIF(q *apiReq) result {
	return s.handleUpload(q, "gif", zalo.MaxImageUploadBytes, func(data []byte, _ string) bool {
		return http.DetectContentType(data) == "image/gif"
	})
}

func (s *Server) handleUploadFile(q *apiReq) result {
	return s.handleUpload(q, "file", zalo.MaxFileUploadBytes, func(_ []byte, name string) bool {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".pdf", ".doc", ".docx":
			return true
		}
		return false
	})
}

// handleUpload checks a multipart upload with field "file" (zalo-oa.md §3).
func (s *Server) handleUpload(q *apiReq, kind string, limit int, typeOK func([]byte, string) bool) result {
	up := &Upload{Kind: kind, OAID: q.oaID, At: q.call.At}
	q.call.Upload = up
	r := q.r
	r.Body = io.NopCloser(strings.NewReader(string(q.body)))
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return refuse(-201, "Content-Type must be multipart/form-data")
	}
	if err := r.ParseMultipartForm(maxBody); err != nil {
		return refuse(-201, "body is invalid")
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		for name := range r.MultipartForm.File {
			up.Field = name
		}
		return refuse(-201, "file is invalid! (multipart field must be named \"file\")")
	}
	fh := files[0]
	up.Field, up.Filename, up.ContentType, up.Size = "file", fh.Filename, fh.Header.Get("Content-Type"), int(fh.Size)
	f, err := fh.Open()
	if err != nil {
		return refuse(-201, "file is invalid!")
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil || len(data) == 0 {
		return refuse(-201, "file is invalid!")
	}
	if len(data) > limit {
		return refuse(-210, fmt.Sprintf("Parameter exceeds allowable limit: %d bytes (limit %d)", len(data), limit))
	}
	if !typeOK(data, fh.Filename) {
		return refuse(-201, "file type is invalid!")
	}
	up.Data = data
	if kind == "file" {
		up.ID = s.newID("f")
	} else {
		up.ID = s.newID("a")
	}
	s.uploads[up.ID] = up
	s.trimUploads()
	if kind == "file" {
		return result{data: map[string]any{"token": up.ID}}
	}
	return result{data: map[string]any{"attachment_id": up.ID}}
}

// trimUploads drops the data (not the id) of the oldest uploads beyond maxUpload.
func (s *Server) trimUploads() {
	if len(s.uploads) <= s.maxUpload {
		return
	}
	var oldest *Upload
	for _, u := range s.uploads {
		if u.Data != nil && (oldest == nil || u.At.Before(oldest.At)) {
			oldest = u
		}
	}
	if oldest != nil {
		oldest.Data = nil
	}
}
