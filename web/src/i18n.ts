// The page's words in English and Chinese. The language follows the
// browser's (navigator.languages), or ?lang=en / ?lang=zh in the page's URL.

export type Lang = "en" | "zh";

const en = {
  title: "Chat room",
  username: "Username",
  connect: "Connect",
  disconnect: "Disconnect",
  send: "Send",
  message: "Message",
  messages: "Messages",
  placeholder: "Type a message. Enter sends, Shift+Enter starts a new line.",
  online: (n: number) => `Online (${n})`,
  you: (name: string) => `${name} (you)`,
  joined: (name: string) => `${name} joined`,
  left: (name: string) => `${name} left`,
  connectedAs: (name: string) => `Connected as ${name}`,
  connecting: "Connecting…",
  reconnecting: (s: number, why: string) => `Reconnecting in ${s} s — ${why}`,
  disconnected: "Disconnected",
  disconnectedWhy: (why: string) => `Disconnected — ${why}`,
  enterUsername: "Enter a username",
  tooLong: (max: number) => `A username has at most ${max} characters`,
  control: "A username cannot contain control characters",
  typeFirst: "Type a message first",
  messageTooLong: (over: number) => `The message is ${over} bytes too long`,
  notConnected: "Not connected",
  serverSaid: (why: string) => `The server said: ${why}`,
  nameTaken: (name: string) => `The name ${name} is taken: someone with it is online`,
  refused: (why: string) => `The server refused: ${why}`,
  unreachable: (host: string) => `Server unreachable at ${host}`,
  noHeartbeat: "No heartbeat from the server",
  closedBy: (why: string) => `The server closed the connection: ${why}`,
  connectionLost: "Connection lost",
  conversations: "Conversations",
  rooms: "Rooms",
  directMessages: "Direct messages",
  roomName: "Room",
  joinRoom: "Join",
  privateRoom: "Private, if new",
  browseRooms: "Find rooms",
  moreRooms: "More rooms",
  noRooms: "No public rooms",
  members: (n: number) => `${n} online`,
  joinNamed: (room: string) => `Join ${room}`,
  leaveRoom: "Leave room",
  closeDm: "Close",
  unread: (n: number) => `${n} unread`,
  room: (room: string) => `# ${room}`,
  dmWith: (name: string) => `@ ${name}`,
  startDm: (name: string) => `Direct message to ${name}`,
  enterRoom: "Enter a room name",
  roomTooLong: (max: number) => `A room name has at most ${max} characters`,
  onlyRoom: "This is your only room: join another before leaving it",
  switchKeys: "Alt+Up and Alt+Down switch conversations",
};

export type Texts = typeof en;

const zh: Texts = {
  title: "聊天室",
  username: "用户名",
  connect: "连接",
  disconnect: "断开",
  send: "发送",
  message: "消息",
  messages: "消息列表",
  placeholder: "输入消息。回车发送，Shift+回车换行。",
  online: (n) => `在线 (${n})`,
  you: (name) => `${name}（我）`,
  joined: (name) => `${name} 加入了聊天室`,
  left: (name) => `${name} 离开了聊天室`,
  connectedAs: (name) => `已连接：${name}`,
  connecting: "正在连接…",
  reconnecting: (s, why) => `${s} 秒后重新连接 — ${why}`,
  disconnected: "未连接",
  disconnectedWhy: (why) => `已断开 — ${why}`,
  enterUsername: "请输入用户名",
  tooLong: (max) => `用户名最多 ${max} 个字符`,
  control: "用户名不能包含控制字符",
  typeFirst: "请先输入消息",
  messageTooLong: (over) => `消息超长 ${over} 字节`,
  notConnected: "未连接",
  serverSaid: (why) => `服务器提示：${why}`,
  nameTaken: (name) => `用户名 ${name} 已被占用：该用户在线`,
  refused: (why) => `服务器拒绝：${why}`,
  unreachable: (host) => `无法连接服务器 ${host}`,
  noHeartbeat: "服务器无心跳响应",
  closedBy: (why) => `服务器关闭了连接：${why}`,
  connectionLost: "连接中断",
  conversations: "会话",
  rooms: "房间",
  directMessages: "私信",
  roomName: "房间",
  joinRoom: "加入",
  privateRoom: "私密（新建时）",
  browseRooms: "查找房间",
  moreRooms: "更多房间",
  noRooms: "没有公开房间",
  members: (n) => `${n} 人在线`,
  joinNamed: (room) => `加入 ${room}`,
  leaveRoom: "离开房间",
  closeDm: "关闭",
  unread: (n) => `${n} 条未读`,
  room: (room) => `# ${room}`,
  dmWith: (name) => `@ ${name}`,
  startDm: (name) => `给 ${name} 发私信`,
  enterRoom: "请输入房间名",
  roomTooLong: (max) => `房间名最多 ${max} 个字符`,
  onlyRoom: "这是你唯一的房间：请先加入其他房间再离开",
  switchKeys: "Alt+上箭头 和 Alt+下箭头 切换会话",
};

// pickLang chooses the page's language: an explicit choice first, then the
// browser's preferred languages in order; English when none is known.
export function pickLang(explicit: string | null, preferred: readonly string[]): Lang {
  for (const tag of [explicit ?? "", ...preferred]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "zh" || base === "en") {
      return base;
    }
  }
  return "en";
}

export function texts(lang: Lang): Texts {
  return lang === "zh" ? zh : en;
}
