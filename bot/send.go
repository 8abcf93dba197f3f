package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oabot/oabot/zalo"
)

// qrAttachmentTTL is how long an uploaded QR attachment id is reused: less than Zalo's
// 7 days (zalo.AttachmentTTL), so a cached id is never the expired one.
const qrAttachmentTTL = zalo.AttachmentTTL - 24*time.Hour

// message converts r (without a QR image) into a zalo.Message.
func (r reply) message() zalo.Message {
	m := zalo.Message{Text: r.Text}
	for _, bt := range r.Buttons {
		switch bt.Kind {
		case buttonQuery:
			m.Buttons = append(m.Buttons, zalo.QueryButton(bt.Title, bt.Payload, true))
		case buttonURL:
			m.Buttons = append(m.Buttons, zalo.URLButton(bt.Title, bt.Payload))
		case buttonPhone:
			m.Buttons = append(m.Buttons, zalo.PhoneButton(bt.Title, bt.Payload))
		}
	}
	return m
}

// send validates and sends one reply. A QR reply uploads the image first (once per
// attachment validity) and re-uploads when Zalo says the cached id expired (-100).
func (b *Bot) send(ctx context.Context, m Messenger, acc *account, userID string, r reply) error {
	if r.QRCode == "" {
		return validSend(ctx, m, userID, r.message())
	}
	if b.qr == nil {
		return validSend(ctx, m, userID, reply{Text: acc.texts.QRUnavailable}.message())
	}
	cacheKey := "qr:" + acc.ID + ":" + r.QRCode
	id, err := b.qrAttachment(ctx, m, acc, r.QRCode, cacheKey, false)
	if err != nil {
		return err
	}
	msg := zalo.Message{Text: r.Text, Image: &zalo.Image{AttachmentID: id}}
	err = validSend(ctx, m, userID, msg)
	if !attachmentExpired(err) {
		return err
	}
	if id, err = b.qrAttachment(ctx, m, acc, r.QRCode, cacheKey, true); err != nil {
		return err
	}
	msg.Image.AttachmentID = id
	return validSend(ctx, m, userID, msg)
}

func (b *Bot) qrAttachment(ctx context.Context, m Messenger, acc *account, code, cacheKey string, fresh bool) (string, error) {
	if b.attach != nil {
		if fresh {
			if err := b.attach.DeleteAttachment(ctx, cacheKey); err != nil {
				return "", fmt.Errorf("forget qr attachment: %w", err)
			}
		} else if id, err := b.attach.Attachment(ctx, cacheKey); err != nil {
			return "", fmt.Errorf("read qr attachment: %w", err)
		} else if id != "" {
			return id, nil
		}
	}
	png, err := b.qr.PNG(ctx, acc.ID, code)
	if err != nil {
		return "", fmt.Errorf("draw qr: %w", err)
	}
	id, err := m.UploadImage(ctx, "qr-"+code+".png", png)
	if err != nil {
		return "", fmt.Errorf("upload qr: %w", err)
	}
	if b.attach != nil {
		if err := b.attach.SetAttachment(ctx, cacheKey, id, qrAttachmentTTL); err != nil {
			return "", fmt.Errorf("cache qr attachment: %w", err)
		}
	}
	return id, nil
}

// validSend never sends what Zalo would refuse: Validate first.
func validSend(ctx context.Context, m Messenger, userID string, msg zalo.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	_, err := m.Send(ctx, userID, msg)
	return err
}

// permanent reports errors that a retry of the job cannot fix: a message Zalo would
// refuse, a citizen outside the consultation window or unable to receive, and Zalo's
// other permanent errors (zalo-oa.md §2.6). Temporary failures and token problems are
// returned so the queue retries the job later.
func permanent(err error) bool {
	return errors.Is(err, zalo.ErrInvalidMessage) || errors.Is(err, zalo.ErrOutsideWindow) ||
		errors.Is(err, zalo.ErrRecipientGone) || errors.Is(err, zalo.ErrPermanent)
}

// attachmentExpired reports Zalo error -100 (attachment_id expired, zalo-oa.md §2.6).
func attachmentExpired(err error) bool {
	return errors.Is(err, zalo.ErrAttachmentExpired)
}
