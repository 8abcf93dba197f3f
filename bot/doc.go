// Package bot is the citizen conversation: it turns Zalo events into replies (procedure
// cards, menus, follow-ups), remembers conversations, and mutes itself when an officer
// takes over.
//
// It talks to Redis and the network only through interfaces it declares (StateStore,
// Enqueuer, Handler, Messenger); adapters live in bot/redisstore, bot/inmem and
// bot/httpapi. It never imports gin or go-redis.
package bot
