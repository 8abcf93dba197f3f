package bot

import "github.com/oabot/oabot/zalo"

// The production Messenger is the zalo client itself (design: the check lives in the
// consumer's tests because zalo may not import bot).
var _ Messenger = (*zalo.Client)(nil)
