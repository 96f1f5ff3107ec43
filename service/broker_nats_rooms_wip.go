package service

import "context"

// WORK IN PROGRESS, replaced by the NATS broker's rooms: until then a
// cluster serves the default room only, and these answer trivially.

func (b *NatsBroker) Follow(context.Context, string) error              { return nil }
func (b *NatsBroker) Unfollow(string)                                   {}
func (b *NatsBroker) SetRooms(context.Context, string, []RoomRef) error { return nil }
func (b *NatsBroker) Online(string) bool                                { return true }
func (b *NatsBroker) Rooms() ([]RoomCount, int)                         { return nil, 0 }
