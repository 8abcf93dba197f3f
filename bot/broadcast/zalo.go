package broadcast

import (
	"context"
	"errors"
	"net/http"

	"github.com/oabot/oabot/zalo"
)

// ZaloClient is the part of *zalo.Client that campaigns use. The client given here must be
// built with zalo.WithRetry(zalo.RetryPolicy{MaxAttempts: 1}): a transport-level retry inside
// the client could deliver one announcement twice; the Runner retries only errors that
// prove nothing was delivered.
type ZaloClient interface {
	Send(ctx context.Context, userID string, m zalo.Message) (zalo.SendResult, error)
	Broadcast(ctx context.Context, target zalo.BroadcastTarget, articleID string) (string, error)
	Followers(ctx context.Context, q zalo.FollowersQuery) (zalo.FollowersPage, error)
	Tags(ctx context.Context) ([]string, error)
}

// ZaloAdapter makes a ZaloClient a Sender, an ArticleSender and a FollowerLister.
type ZaloAdapter struct {
	Client ZaloClient
}

var (
	_ Sender         = ZaloAdapter{}
	_ ArticleSender  = ZaloAdapter{}
	_ FollowerLister = ZaloAdapter{}
	_ TagLister      = ZaloAdapter{}
)

// Send sends m as a consultation message.
func (z ZaloAdapter) Send(ctx context.Context, userID string, m Message) (string, error) {
	res, err := z.Client.Send(ctx, userID, ZaloMessage(m))
	if err != nil {
		return "", err
	}
	return res.MessageID, nil
}

// BroadcastArticle broadcasts an article to all followers (no demographic filter).
func (z ZaloAdapter) BroadcastArticle(ctx context.Context, articleID string) (string, error) {
	return z.Client.Broadcast(ctx, zalo.BroadcastTarget{}, articleID)
}

// FollowerPage reads one page of followers.
func (z ZaloAdapter) FollowerPage(ctx context.Context, offset, count int) (FollowerPage, error) {
	yes := true
	p, err := z.Client.Followers(ctx, zalo.FollowersQuery{Offset: offset, Count: count, IsFollower: &yes})
	if err != nil {
		return FollowerPage{}, err
	}
	return FollowerPage{Total: p.Total, UserIDs: p.UserIDs}, nil
}

// Tags lists the OA's Zalo tags.
func (z ZaloAdapter) Tags(ctx context.Context) ([]string, error) { return z.Client.Tags(ctx) }

// TagPage reads one page of the users carrying tag.
func (z ZaloAdapter) TagPage(ctx context.Context, tag string, offset, count int) (FollowerPage, error) {
	p, err := z.Client.Followers(ctx, zalo.FollowersQuery{Offset: offset, Count: count, TagName: tag})
	if err != nil {
		return FollowerPage{}, err
	}
	return FollowerPage{Total: p.Total, UserIDs: p.UserIDs}, nil
}

// ZaloMessage converts a campaign message to a zalo.Message.
func ZaloMessage(m Message) zalo.Message {
	zm := zalo.Message{Text: m.Text}
	if m.ImageURL != "" || m.ImageAttachmentID != "" {
		zm.Image = &zalo.Image{URL: m.ImageURL, AttachmentID: m.ImageAttachmentID}
	}
	for _, b := range m.Buttons {
		zb := zalo.Button{Title: b.Title, Type: b.Type}
		switch b.Type {
		case zalo.ButtonOpenURL:
			zb.URL = b.Payload
		case zalo.ButtonOpenPhone:
			zb.Phone = b.Payload
		default:
			zb.Payload = b.Payload
		}
		zm.Buttons = append(zm.Buttons, zb)
	}
	return zm
}

// ClassifyZalo classifies errors of *zalo.Client for delivery. Unlike zalo.ClassOf it treats
// transport errors and HTTP 5xx answers without a Zalo code as ambiguous: the request may
// have reached Zalo, so the recipient is reported unknown instead of being sent twice.
func ClassifyZalo(err error) Failure {
	var ae *zalo.APIError
	if errors.As(err, &ae) {
		if ae.Code == 0 {
			if ae.HTTPStatus == http.StatusTooManyRequests {
				return Failure{Class: Retryable}
			}
			if ae.HTTPStatus >= 500 {
				return Failure{Class: Ambiguous}
			}
			return Failure{Class: Permanent}
		}
		switch ae.Class() {
		case zalo.ClassRetryable, zalo.ClassToken:
			// Token errors: nothing was sent; the token source refreshes before the retry.
			return Failure{Class: Retryable, Code: ae.Code}
		case zalo.ClassOutsideWindow:
			return Failure{Class: OutsideWindow, Code: ae.Code}
		case zalo.ClassRecipientGone:
			return Failure{Class: Gone, Code: ae.Code}
		default:
			if ClassifyCode(ae.Code) == Halt {
				return Failure{Class: Halt, Code: ae.Code}
			}
			return Failure{Class: Permanent, Code: ae.Code}
		}
	}
	if errors.Is(err, zalo.ErrInvalidMessage) {
		return Failure{Class: Permanent}
	}
	return Failure{Class: Ambiguous}
}
