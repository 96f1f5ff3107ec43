package view

import (
	"embed"
	"maps"
	"os"

	"fyne.io/fyne/v2/lang"

	"chatroom/ctrl"
	_ "chatroom/view/clocale" // a C locale (C.UTF-8) reads as English, before fyne first looks
)

// translations holds the UI's words: English keys, Chinese and English
// texts. fyne's lang package picks the language from the system locale.
//
//go:embed translations
var translations embed.FS

// LoadTranslations registers the UI's translations with fyne. language
// forces one ("zh" or "en"); empty follows the system locale (LC_ALL,
// LC_MESSAGES, LANG, LANGUAGE), English for a C locale.
func LoadTranslations(language string) error {
	switch language {
	case "":
	case "zh":
		os.Setenv("LC_ALL", "zh_CN.UTF-8")
	default:
		os.Setenv("LC_ALL", language+".UTF-8")
	}
	return lang.AddTranslationsFS(translations, "translations")
}

// tr translates a controller's Text.
func tr(t ctrl.Text) string {
	if t.Key == "" {
		return ""
	}
	if t.Data == nil {
		return lang.L(t.Key)
	}
	data := t.Data
	for k, v := range t.Data { // a Text in a Text (an audit entry) is translated too
		if inner, ok := v.(ctrl.Text); ok {
			data = maps.Clone(data)
			data[k] = tr(inner)
		}
	}
	return lang.L(t.Key, data)
}
