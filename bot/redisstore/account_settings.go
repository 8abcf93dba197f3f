package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/accounts"
)

// AccountSettings keeps the offices' own settings for every replica: one hash,
// "account-settings", account → JSON (with its version).
type AccountSettings struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

var _ accounts.SettingsStore = (*AccountSettings)(nil)

// NewAccountSettings returns the settings store on rdb under prefix.
func NewAccountSettings(rdb redis.UniversalClient, prefix string) (*AccountSettings, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &AccountSettings{rdb: rdb, keys: keyspace(prefix)}, nil
}

func (s *AccountSettings) key() string { return s.keys.Key("account-settings") }

// casSettingsScript writes or deletes one account's settings when the stored version is
// the caller's base. KEYS[1]: the hash. ARGV: account, base, JSON ("" deletes). Returns
// {0} or {1, stored JSON or ""}.
var casSettingsScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local v = 0
if cur then v = tonumber(cjson.decode(cur).version) or 0 end
if v ~= tonumber(ARGV[2]) then return {1, cur or ''} end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return {0}
`)

// ListSettings returns every account's saved settings; an unreadable one is an error
// (serving the file's settings instead would silently undo an office's).
func (s *AccountSettings) ListSettings(ctx context.Context) ([]accounts.SettingsRecord, error) {
	m, err := s.rdb.HGetAll(ctx, s.key()).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list account settings: %w", err)
	}
	out := make([]accounts.SettingsRecord, 0, len(m))
	for id, raw := range m {
		var r accounts.SettingsRecord
		if err := json.Unmarshal([]byte(raw), &r); err != nil || r.Account != id {
			return nil, fmt.Errorf("redisstore: settings of %s cannot be read", id)
		}
		out = append(out, r)
	}
	return out, nil
}

// PutSettings stores rec as version base+1 when the stored version is base.
func (s *AccountSettings) PutSettings(ctx context.Context, rec accounts.SettingsRecord, base int64) (accounts.SettingsRecord, error) {
	rec.Version = base + 1
	b, err := json.Marshal(rec)
	if err != nil {
		return accounts.SettingsRecord{}, fmt.Errorf("redisstore: encode settings: %w", err)
	}
	if err := s.cas(ctx, rec.Account, base, string(b)); err != nil {
		return accounts.SettingsRecord{}, err
	}
	return rec, nil
}

// DeleteSettings removes account's settings when their version is base.
func (s *AccountSettings) DeleteSettings(ctx context.Context, account string, base int64) error {
	return s.cas(ctx, account, base, "")
}

func (s *AccountSettings) cas(ctx context.Context, account string, base int64, value string) error {
	res, err := casSettingsScript.Run(ctx, s.rdb, []string{s.key()}, account, base, value).Slice()
	if err != nil {
		return fmt.Errorf("redisstore: save account settings: %w", err)
	}
	if res[0].(int64) == 0 {
		return nil
	}
	var cur accounts.SettingsRecord
	if raw, _ := res[1].(string); raw != "" {
		_ = json.Unmarshal([]byte(raw), &cur)
	}
	return &accounts.SettingsConflictError{Current: cur}
}
