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
