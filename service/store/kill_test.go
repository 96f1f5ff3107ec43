package store

const childEnv = "CHATROOM_STORE_CHILD"

func appendChild() int { return 0 }
