<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="de">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About %1</source>
        <translation>Über %1</translation>
    </message>
    <message>
        <source>An offline desktop chatbot. Your conversations stay on this computer.</source>
        <translation>Ein Offline-Chatbot für den Desktop. Ihre Unterhaltungen bleiben auf diesem Computer.</translation>
    </message>
    <message>
        <source>none loaded</source>
        <translation>keines geladen</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>see the server</source>
        <translation>siehe Server</translation>
    </message>
    <message>
        <source>%1 (from %2)</source>
        <translation>%1 (laut %2)</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <source>Model license:</source>
        <translation>Lizenz des Modells:</translation>
    </message>
    <message>
        <source>Runs with:</source>
        <translation>Läuft mit:</translation>
    </message>
    <message>
        <source>Components</source>
        <translation>Komponenten</translation>
    </message>
    <message>
        <source>License text</source>
        <translation>Lizenztext</translation>
    </message>
    <message>
        <source>No license texts were found in this installation.</source>
        <translation>In dieser Installation wurden keine Lizenztexte gefunden.</translation>
    </message>
    <message>
        <source>Licenses of what Confab is built with:</source>
        <translation>Lizenzen der Komponenten, aus denen Confab besteht:</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
</context>
<context>
    <name>Announcer</name>
    <message>
        <source>Announcements</source>
        <translation>Ansagen</translation>
    </message>
    <message>
        <source>The latest reply, model status or error, for screen readers</source>
        <translation>Die neueste Antwort, der Modellstatus oder ein Fehler, für Bildschirmleser</translation>
    </message>
    <message>
        <source>Bot: {text}</source>
        <translation>Bot: {text}</translation>
    </message>
</context>
<context>
    <name>BubbleDelegate</name>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Show less</source>
        <translation>Weniger anzeigen</translation>
    </message>
    <message>
        <source>Show more ({lines} lines, {chars} characters)</source>
        <translation>Mehr anzeigen ({lines} Zeilen, {chars} Zeichen)</translation>
    </message>
</context>
<context>
    <name>ChatFiles</name>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>OpenAI-style messages</source>
        <translation>Nachrichten im OpenAI-Format</translation>
    </message>
    <message>
        <source>Confab transcripts</source>
        <translation>Confab-Chatverläufe</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>Alle Dateien</translation>
    </message>
    <message>
        <source>&amp;Undo Delete</source>
        <translation>Löschen &amp;rückgängig machen</translation>
    </message>
    <message>
        <source>&amp;New Chat</source>
        <translation>&amp;Neuer Chat</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>Ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>Speichern &amp;unter…</translation>
    </message>
    <message>
        <source>Mo&amp;ve to Library</source>
        <translation>In die Bib&amp;liothek verschieben</translation>
    </message>
    <message>
        <source>Export as &amp;Markdown…</source>
        <translation>Als &amp;Markdown exportieren…</translation>
    </message>
    <message>
        <source>Export as Plain &amp;Text…</source>
        <translation>Als reinen &amp;Text exportieren…</translation>
    </message>
    <message>
        <source>Export as &amp;JSON Messages…</source>
        <translation>Als &amp;JSON-Nachrichten exportieren…</translation>
    </message>
    <message>
        <source>&amp;Rename…</source>
        <translation>&amp;Umbenennen…</translation>
    </message>
    <message>
        <source>&amp;Pin to Top</source>
        <translation>&amp;Oben anheften</translation>
    </message>
    <message>
        <source>&amp;Duplicate</source>
        <translation>&amp;Duplizieren</translation>
    </message>
    <message>
        <source>Delete &amp;Chat…</source>
        <translation>Chat &amp;löschen…</translation>
    </message>
    <message>
        <source>&amp;Trash</source>
        <translation>Papier&amp;korb</translation>
    </message>
    <message>
        <source>Remove from List</source>
        <translation>Aus der Liste entfernen</translation>
    </message>
    <message>
        <source>&amp;Undo Delete of “{title}”</source>
        <translation>Löschen von „{title}“ &amp;rückgängig machen</translation>
    </message>
    <message>
        <source>This file no longer exists.</source>
        <translation>Diese Datei gibt es nicht mehr.</translation>
    </message>
    <message>
        <source>No recent chats</source>
        <translation>Keine zuletzt geöffneten Chats</translation>
    </message>
    <message>
        <source>Clear Recent</source>
        <translation>Liste leeren</translation>
    </message>
    <message>
        <source>Restore “{title}” (deleted {when})</source>
        <translation>„{title}“ wiederherstellen (gelöscht {when})</translation>
    </message>
    <message>
        <source>The trash is empty</source>
        <translation>Der Papierkorb ist leer</translation>
    </message>
    <message>
        <source>Empty Trash…</source>
        <translation>Papierkorb leeren…</translation>
    </message>
    <message>
        <source>Open chat</source>
        <translation>Chat öffnen</translation>
    </message>
    <message>
        <source>Save chat as</source>
        <translation>Chat speichern unter</translation>
    </message>
    <message>
        <source>Saved {name}</source>
        <translation>{name} gespeichert</translation>
    </message>
    <message>
        <source>Export chat</source>
        <translation>Chat exportieren</translation>
    </message>
    <message>
        <source>The chat was not exported. {error}</source>
        <translation>Der Chat wurde nicht exportiert. {error}</translation>
    </message>
    <message>
        <source>Exported {name}</source>
        <translation>{name} exportiert</translation>
    </message>
    <message>
        <source>Rename chat</source>
        <translation>Chat umbenennen</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>Titel:</translation>
    </message>
    <message>
        <source>Stop the reply before deleting the chat.</source>
        <translation>Halten Sie die Antwort an, bevor Sie den Chat löschen.</translation>
    </message>
    <message>
        <source>Move “{title}” to the trash? Edit &gt; Undo (Ctrl+Z) or Chat &gt; Trash brings it back.</source>
        <translation>„{title}“ in den Papierkorb verschieben? Bearbeiten &gt; Rückgängig (Strg+Z) oder Chat &gt; Papierkorb holt ihn zurück.</translation>
    </message>
    <message>
        <source>this chat</source>
        <translation>diesen Chat</translation>
    </message>
    <message>
        <source>Moved “{title}” to the trash. Ctrl+Z brings it back.</source>
        <translation>„{title}“ wurde in den Papierkorb verschoben. Strg+Z holt ihn zurück.</translation>
    </message>
    <message>
        <source>Delete the {count} chat(s) in the trash for good? This cannot be undone.</source>
        <translation>Die {count} Chat(s) im Papierkorb endgültig löschen? Das lässt sich nicht rückgängig machen.</translation>
    </message>
</context>
<context>
    <name>ChatListModel</name>
    <message>
        <source>Pinned</source>
        <translation>Angeheftet</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
    <message>
        <source>Previous 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Older</source>
        <translation>Älter</translation>
    </message>
    <message>
        <source>Opened files</source>
        <translation>Geöffnete Dateien</translation>
    </message>
    <message>
        <source>new</source>
        <translation>neu</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Neuer Chat</translation>
    </message>
    <message>
        <source>reading…</source>
        <translation>wird gelesen…</translation>
    </message>
    <message>
        <source> · replying…</source>
        <translation> · antwortet…</translation>
    </message>
    <message>
        <source>⚠ {title}
damaged: cannot be read</source>
        <translation>⚠ {title}
beschädigt: nicht lesbar</translation>
    </message>
    <message>
        <source>damaged chat</source>
        <translation>beschädigter Chat</translation>
    </message>
    <message>
        <source>chat</source>
        <translation>Chat</translation>
    </message>
</context>
<context>
    <name>ChatListView</name>
    <message>
        <source>Chats</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>Every chat, newest first. Enter or click opens one.</source>
        <translation>Alle Chats, der neueste zuerst. Eingabe oder Klick öffnet einen.</translation>
    </message>
</context>
<context>
    <name>ChatSettingsMenu</name>
    <message>
        <source>Automatic (fast when the model allows)</source>
        <translation>Automatisch (schnell, wenn das Modell es erlaubt)</translation>
    </message>
    <message>
        <source>Transformers (reference, fp32)</source>
        <translation>Transformers (Referenz, fp32)</translation>
    </message>
    <message>
        <source>Fast (int8)</source>
        <translation>Schnell (int8)</translation>
    </message>
    <message>
        <source>Best (model default)</source>
        <translation>Beste (Vorgabe des Modells)</translation>
    </message>
    <message>
        <source>Fast (greedy, streams)</source>
        <translation>Schnell (greedy, fortlaufend)</translation>
    </message>
    <message>
        <source>Creative (sampling, streams)</source>
        <translation>Kreativ (Sampling, fortlaufend)</translation>
    </message>
    <message>
        <source>Bot Person&amp;a…</source>
        <translation>Bot-&amp;Persona…</translation>
    </message>
    <message>
        <source>Reply St&amp;yle</source>
        <translation>Ant&amp;wortstil</translation>
    </message>
    <message>
        <source>E&amp;ngine</source>
        <translation>&amp;Engine</translation>
    </message>
    <message>
        <source>CPU T&amp;hreads…</source>
        <translation>CPU-T&amp;hreads…</translation>
    </message>
    <message>
        <source>Reply style: {name}</source>
        <translation>Antwortstil: {name}</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU-Threads</translation>
    </message>
    <message>
        <source>Threads used for replies (takes effect on the next load):</source>
        <translation>Threads für Antworten (wirkt ab dem nächsten Laden):</translation>
    </message>
</context>
<context>
    <name>ChatUndo</name>
    <message>
        <source>Wait for the reply, or press Stop, before undoing.</source>
        <translation>Warten Sie auf die Antwort oder drücken Sie „Stopp“, bevor Sie etwas rückgängig machen.</translation>
    </message>
    <message>
        <source>This chat's file is damaged and cannot change.</source>
        <translation>Die Datei dieses Chats ist beschädigt und kann nicht geändert werden.</translation>
    </message>
    <message>
        <source>That chat is no longer in the library.</source>
        <translation>Dieser Chat ist nicht mehr in der Bibliothek.</translation>
    </message>
    <message>
        <source>Send Message</source>
        <translation>Nachricht senden</translation>
    </message>
    <message>
        <source>Bot Reply</source>
        <translation>Antwort des Bots</translation>
    </message>
    <message>
        <source>Regenerate Reply</source>
        <translation>Antwort neu erzeugen</translation>
    </message>
    <message>
        <source>Continue Reply</source>
        <translation>Antwort fortsetzen</translation>
    </message>
    <message>
        <source>Show Version</source>
        <translation>Version anzeigen</translation>
    </message>
    <message>
        <source>Edit Message</source>
        <translation>Nachricht bearbeiten</translation>
    </message>
    <message>
        <source>Edit Reply</source>
        <translation>Antwort bearbeiten</translation>
    </message>
    <message>
        <source>Delete Message</source>
        <translation>Nachricht löschen</translation>
    </message>
    <message>
        <source>Change Persona</source>
        <translation>Persona ändern</translation>
    </message>
    <message>
        <source>Change Reply Style</source>
        <translation>Antwortstil ändern</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>Undid: {change}</source>
        <translation>Rückgängig gemacht: {change}</translation>
    </message>
    <message>
        <source>Redid: {change}</source>
        <translation>Wiederholt: {change}</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Neuer Chat</translation>
    </message>
    <message>
        <source>&amp;Undo Delete Chat “{title}”</source>
        <translation>&amp;Rückgängig: Chat „{title}“ löschen</translation>
    </message>
    <message>
        <source>&amp;Undo {change}</source>
        <translation>&amp;Rückgängig: {change}</translation>
    </message>
    <message>
        <source>&amp;Redo {change}</source>
        <translation>&amp;Wiederholen: {change}</translation>
    </message>
</context>
<context>
    <name>ChatWorker</name>
    <message>
        <source>Looking for the model…</source>
        <translation>Modell wird gesucht…</translation>
    </message>
    <message>
        <source>{model} could not be loaded: {error}</source>
        <translation>{model} konnte nicht geladen werden: {error}</translation>
    </message>
    <message>
        <source>Downloading {model} failed: {error}</source>
        <translation>Der Download von {model} ist fehlgeschlagen: {error}</translation>
    </message>
    <message>
        <source>The model is not loaded.</source>
        <translation>Das Modell ist nicht geladen.</translation>
    </message>
    <message>
        <source>The reply failed: {error}</source>
        <translation>Die Antwort ist fehlgeschlagen: {error}</translation>
    </message>
    <message>
        <source>Offline mode is on: the server {server} is not contacted.</source>
        <translation>Der Offline-Modus ist an: Der Server {server} wird nicht kontaktiert.</translation>
    </message>
</context>
<context>
    <name>ContextMeter</name>
    <message>
        <source>Context meter</source>
        <translation>Kontextanzeige</translation>
    </message>
    <message>
        <source>Context meter: %1</source>
        <translation>Kontextanzeige: %1</translation>
    </message>
    <message>
        <source>context %1/%2 tokens</source>
        <translation>Kontext %1/%2 Tokens</translation>
    </message>
    <message>
        <source>context about %1/%2 tokens</source>
        <translation>Kontext etwa %1/%2 Tokens</translation>
    </message>
    <message>
        <source>; 1 earlier turn not seen by the bot</source>
        <translation>; 1 früherer Beitrag wird vom Bot nicht gesehen</translation>
    </message>
    <message>
        <source>; %1 earlier turns not seen by the bot</source>
        <translation>; %1 frühere Beiträge werden vom Bot nicht gesehen</translation>
    </message>
    <message>
        <source>; the newest message is cut to its last part</source>
        <translation>; die neueste Nachricht ist auf ihren letzten Teil gekürzt</translation>
    </message>
    <message>
        <source>The bot reads at most %1 tokens of the chat: the model's context holds %2, and %3 of them are kept for its reply. Older turns that do not fit are left out.</source>
        <translation>Der Bot liest höchstens %1 Tokens des Chats: Der Kontext des Modells fasst %2, davon bleiben %3 für seine Antwort frei. Ältere Beiträge, die nicht hineinpassen, werden weggelassen.</translation>
    </message>
    <message>
        <source>The bot reads at most %1 tokens of the chat, its model's whole context. Older turns that do not fit are left out.</source>
        <translation>Der Bot liest höchstens %1 Tokens des Chats, den ganzen Kontext seines Modells. Ältere Beiträge, die nicht hineinpassen, werden weggelassen.</translation>
    </message>
</context>
<context>
    <name>CoreText</name>
    <message>
        <source>Reading the tokenizer…</source>
        <translation>Tokenizer wird gelesen…</translation>
    </message>
    <message>
        <source>Loading the weights…</source>
        <translation>Gewichte werden geladen…</translation>
    </message>
    <message>
        <source>Moving the weights to {device}…</source>
        <translation>Gewichte werden nach {device} verschoben…</translation>
    </message>
    <message>
        <source>Copying the weights into memory…</source>
        <translation>Gewichte werden in den Speicher kopiert…</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Starting the inference library…</source>
        <translation>Die Inferenzbibliothek wird gestartet…</translation>
    </message>
    <message>
        <source>Loading the int8 model…</source>
        <translation>Das int8-Modell wird geladen…</translation>
    </message>
    <message>
        <source>Preparing the fast engine (once per model): reading the weights…</source>
        <translation>Die schnelle Engine wird vorbereitet (einmal pro Modell): Gewichte werden gelesen…</translation>
    </message>
    <message>
        <source>Preparing the fast engine: int8 weights ({done} of {total})…</source>
        <translation>Die schnelle Engine wird vorbereitet: int8-Gewichte ({done} von {total})…</translation>
    </message>
    <message>
        <source>Preparing the fast engine: done</source>
        <translation>Die schnelle Engine ist vorbereitet</translation>
    </message>
    <message>
        <source>Asking {host} for its models…</source>
        <translation>{host} wird nach seinen Modellen gefragt…</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CPU (chosen in Preferences)</source>
        <translation>CPU (in den Einstellungen gewählt)</translation>
    </message>
    <message>
        <source>CPU: no GPU could be used ({error})</source>
        <translation>CPU: keine GPU nutzbar ({error})</translation>
    </message>
    <message>
        <source>CPU: no CUDA device</source>
        <translation>CPU: kein CUDA-Gerät</translation>
    </message>
    <message>
        <source>CPU: the int8 engine runs on CPU only ({device} not used)</source>
        <translation>CPU: die int8-Engine läuft nur auf der CPU ({device} nicht genutzt)</translation>
    </message>
    <message>
        <source>{reason}; transformers engine (the int8 engine runs on CPU only)</source>
        <translation>{reason}; Transformers-Engine (die int8-Engine läuft nur auf der CPU)</translation>
    </message>
    <message>
        <source>mps asked for but no Apple GPU is available: CPU</source>
        <translation>mps gewünscht, aber keine Apple-GPU vorhanden: CPU</translation>
    </message>
    <message>
        <source>{device} asked for but only {gpus}: CPU</source>
        <translation>{device} gewünscht, aber nur {gpus}: CPU</translation>
    </message>
    <message>
        <source>{device} asked for but there is no CUDA device: CPU</source>
        <translation>{device} gewünscht, aber kein CUDA-Gerät vorhanden: CPU</translation>
    </message>
    <message>
        <source>unknown device '{device}' asked for: CPU</source>
        <translation>unbekanntes Gerät „{device}“ gewünscht: CPU</translation>
    </message>
    <message>
        <source>Apple GPU (MPS, float16){note}</source>
        <translation>Apple-GPU (MPS, float16){note}</translation>
    </message>
    <message>
        <source>CUDA {index}: {name} ({dtype}){note}</source>
        <translation>CUDA {index}: {name} ({dtype}){note}</translation>
    </message>
    <message>
        <source>Automatic (a GPU if there is one, else the CPU)</source>
        <translation>Automatisch (eine GPU, falls vorhanden, sonst die CPU)</translation>
    </message>
    <message>
        <source>Apple GPU (MPS)</source>
        <translation>Apple-GPU (MPS)</translation>
    </message>
    <message>
        <source>CUDA {index}: {name}</source>
        <translation>CUDA {index}: {name}</translation>
    </message>
</context>
<context>
    <name>EditBar</name>
    <message>
        <source>Editing a message: Enter saves, Esc cancels.</source>
        <translation>Nachricht wird bearbeitet: Eingabe speichert, Esc bricht ab.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop editing and keep the message as it was (Esc)</source>
        <translation>Bearbeiten beenden und die Nachricht unverändert lassen (Esc)</translation>
    </message>
    <message>
        <source>Editing a message</source>
        <translation>Nachricht wird bearbeitet</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <source>Find in this chat</source>
        <translation>In diesem Chat suchen</translation>
    </message>
    <message>
        <source>Find in chat</source>
        <translation>Im Chat suchen</translation>
    </message>
    <message>
        <source>Matches</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <source>Previous match (Shift+Enter)</source>
        <translation>Vorheriger Treffer (Umschalt+Eingabe)</translation>
    </message>
    <message>
        <source>Previous match</source>
        <translation>Vorheriger Treffer</translation>
    </message>
    <message>
        <source>Next match (Enter)</source>
        <translation>Nächster Treffer (Eingabe)</translation>
    </message>
    <message>
        <source>Next match</source>
        <translation>Nächster Treffer</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>Schließen (Esc)</translation>
    </message>
    <message>
        <source>Close find bar</source>
        <translation>Suchleiste schließen</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>Keine Treffer</translation>
    </message>
    <message>
        <source>{current} of {count}</source>
        <translation>{current} von {count}</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>&amp;README</source>
        <translation>&amp;README</translation>
    </message>
    <message>
        <source>Open &amp;Logs Folder</source>
        <translation>Protokollordner ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Open &amp;Data Folder</source>
        <translation>&amp;Datenordner öffnen</translation>
    </message>
    <message>
        <source>&amp;About %1</source>
        <translation>Ü&amp;ber %1</translation>
    </message>
    <message>
        <source>Cannot open %1: no file manager answered.</source>
        <translation>%1 kann nicht geöffnet werden: Kein Dateimanager hat geantwortet.</translation>
    </message>
    <message>
        <source>%1 (not loaded)</source>
        <translation>%1 (nicht geladen)</translation>
    </message>
</context>
<context>
    <name>HitDelegate</name>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>Bot</source>
        <translation>Bot</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <source>Untitled chat</source>
        <translation>Chat ohne Titel</translation>
    </message>
</context>
<context>
    <name>InfoPopup</name>
    <message>
        <source>Message info</source>
        <translation>Nachrichteninfo</translation>
    </message>
</context>
<context>
    <name>InputBox</name>
    <message>
        <source>Type a message. Enter sends, Shift+Enter starts a new line.</source>
        <translation>Nachricht eingeben. Eingabetaste sendet, Umschalt+Eingabetaste beginnt eine neue Zeile.</translation>
    </message>
    <message>
        <source>Message input</source>
        <translation>Nachrichteneingabe</translation>
    </message>
    <message>
        <source>Your message to the bot. Enter sends, Shift+Enter starts a new line.</source>
        <translation>Ihre Nachricht an den Bot. Eingabetaste sendet, Umschalt+Eingabetaste beginnt eine neue Zeile.</translation>
    </message>
</context>
<context>
    <name>InputMeter</name>
    <message>
        <source>Long message note</source>
        <translation>Hinweis auf lange Nachricht</translation>
    </message>
    <message>
        <source>Long message: the bot will see only its last ~{seen} of ~{total} tokens.</source>
        <translation>Lange Nachricht: Der Bot sieht nur die letzten ~{seen} von ~{total} Tokens.</translation>
    </message>
    <message>
        <source>The model reads at most about {seen} tokens of one message, so it answers the end of this one. Send the part that matters, or split it.</source>
        <translation>Das Modell liest höchstens etwa {seen} Tokens einer Nachricht und antwortet daher auf das Ende dieser Nachricht. Senden Sie den wichtigen Teil oder teilen Sie die Nachricht auf.</translation>
    </message>
</context>
<context>
    <name>LibraryStart</name>
    <message>
        <source>Search is not available: {error}</source>
        <translation>Die Suche ist nicht verfügbar: {error}</translation>
    </message>
    <message>
        <source>Indexing chats for search: {done}/{total}</source>
        <translation>Chats werden für die Suche indiziert: {done}/{total}</translation>
    </message>
    <message>
        <source>{count} chats ready to search</source>
        <translation>{count} Chats durchsuchbar</translation>
    </message>
    <message>
        <source>Search index: {message}</source>
        <translation>Suchindex: {message}</translation>
    </message>
    <message>
        <source>the chat that was not saved when Confab last closed</source>
        <translation>den Chat, der beim letzten Beenden von Confab nicht gespeichert war,</translation>
    </message>
    <message>
        <source>{count} recently opened chat file(s), which stay where they are</source>
        <translation>{count} zuletzt geöffnete Chatdatei(en), die bleiben, wo sie sind,</translation>
    </message>
    <message>
        <source>Confab now keeps every chat in its sidebar. Add {unsaved} and {opened} to it?</source>
        <translation>Confab führt jetzt alle Chats in seiner Seitenleiste. Möchten Sie {unsaved} und {opened} dort aufnehmen?</translation>
    </message>
    <message>
        <source>Confab now keeps every chat in its sidebar. Add {what} to it?</source>
        <translation>Confab führt jetzt alle Chats in seiner Seitenleiste. Möchten Sie {what} dort aufnehmen?</translation>
    </message>
    <message>
        <source>The unsaved chat could not be added: {error}</source>
        <translation>Der nicht gespeicherte Chat konnte nicht aufgenommen werden: {error}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Send the message (Enter)</source>
        <translation>Nachricht senden (Eingabe)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stopp</translation>
    </message>
    <message>
        <source>Stop the reply being written (Esc)</source>
        <translation>Die entstehende Antwort anhalten (Esc)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Copy Messages</source>
        <translation>Nachrichten &amp;kopieren</translation>
    </message>
    <message>
        <source>Select &amp;All Messages</source>
        <translation>&amp;Alle Nachrichten auswählen</translation>
    </message>
    <message>
        <source>&amp;Find in Chat…</source>
        <translation>Im Chat &amp;suchen…</translation>
    </message>
    <message>
        <source>Search All C&amp;hats…</source>
        <translation>In allen &amp;Chats suchen…</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Show &amp;Sidebar</source>
        <translation>&amp;Seitenleiste anzeigen</translation>
    </message>
    <message>
        <source>&amp;Persona Panel</source>
        <translation>&amp;Persona-Bereich</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Modell</translation>
    </message>
    <message>
        <source>&amp;Choose Model…</source>
        <translation>Modell &amp;wählen…</translation>
    </message>
    <message>
        <source>BlenderBot models, any hub model, a folder, or a recent one; remove downloads</source>
        <translation>BlenderBot-Modelle, ein beliebiges Hub-Modell, ein Ordner oder ein zuletzt verwendetes Modell; Downloads entfernen</translation>
    </message>
    <message>
        <source>Open Model &amp;Folder…</source>
        <translation>Modell&amp;ordner öffnen…</translation>
    </message>
    <message>
        <source>&amp;Reload Model</source>
        <translation>Modell &amp;neu laden</translation>
    </message>
    <message>
        <source>Load the model again (after a cancelled download or a failed load)</source>
        <translation>Das Modell erneut laden (nach einem abgebrochenen Download oder einem fehlgeschlagenen Laden)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>&amp;Chat</translation>
    </message>
    <message>
        <source>&amp;Stop Reply</source>
        <translation>Antwort &amp;anhalten</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Speed of the last reply</source>
        <translation>Geschwindigkeit der letzten Antwort</translation>
    </message>
    <message>
        <source>Tokens per second of the last reply</source>
        <translation>Tokens pro Sekunde der letzten Antwort</translation>
    </message>
    <message>
        <source>Model…</source>
        <translation>Modell…</translation>
    </message>
    <message>
        <source>Choose another model (Ctrl+Shift+M)</source>
        <translation>Ein anderes Modell wählen (Strg+Umschalt+M)</translation>
    </message>
    <message>
        <source>Choose model</source>
        <translation>Modell wählen</translation>
    </message>
    <message>
        <source>Device the model runs on</source>
        <translation>Gerät, auf dem das Modell läuft</translation>
    </message>
    <message>
        <source>Read-only: another Confab uses this data folder</source>
        <translation>Schreibgeschützt: Ein anderes Confab verwendet diesen Datenordner</translation>
    </message>
    <message>
        <source>Where the model runs: {device}</source>
        <translation>Wo das Modell läuft: {device}</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Neuer Chat</translation>
    </message>
    <message>
        <source>Persona applied from the next reply on.</source>
        <translation>Die Persona gilt ab der nächsten Antwort.</translation>
    </message>
    <message>
        <source>Wait for the reply, or press Stop.</source>
        <translation>Warten Sie auf die Antwort oder klicken Sie auf „Stopp“.</translation>
    </message>
    <message>
        <source>This chat's file is damaged and cannot change.</source>
        <translation>Die Datei dieses Chats ist beschädigt und kann nicht geändert werden.</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Wird angehalten…</translation>
    </message>
    <message>
        <source>Replied in {seconds} s</source>
        <translation>Geantwortet in {seconds} s</translation>
    </message>
    <message>
        <source>{rate} tokens/s</source>
        <translation>{rate} Tokens/s</translation>
    </message>
    <message>
        <source>Reply stopped.</source>
        <translation>Antwort angehalten.</translation>
    </message>
    <message>
        <source>That chat is no longer in the library.</source>
        <translation>Dieser Chat ist nicht mehr in der Bibliothek.</translation>
    </message>
    <message>
        <source>Another Confab is using this data folder but does not answer. This window shows your chats read-only: nothing you do here is saved. Close the other Confab (or wait for it) and start again to chat as usual.</source>
        <translation>Ein anderes Confab verwendet diesen Datenordner, antwortet aber nicht. Dieses Fenster zeigt Ihre Chats schreibgeschützt an: Nichts, was Sie hier tun, wird gespeichert. Schließen Sie das andere Confab (oder warten Sie darauf) und starten Sie neu, um wie gewohnt zu chatten.</translation>
    </message>
</context>
<context>
    <name>MemoryFit</name>
    <message>
        <source>the fast engine</source>
        <translation>der schnellen Engine</translation>
    </message>
    <message>
        <source>Transformers</source>
        <translation>Transformers</translation>
    </message>
    <message>
        <source>Not enough memory</source>
        <translation>Nicht genug Arbeitsspeicher</translation>
    </message>
</context>
<context>
    <name>MessageActions</name>
    <message>
        <source>Wait for the reply, or press Stop.</source>
        <translation>Warten Sie auf die Antwort oder drücken Sie „Stopp“.</translation>
    </message>
    <message>
        <source>This chat's file is damaged and cannot change.</source>
        <translation>Die Datei dieses Chats ist beschädigt und kann nicht geändert werden.</translation>
    </message>
    <message>
        <source>A message cannot be empty.</source>
        <translation>Eine Nachricht darf nicht leer sein.</translation>
    </message>
    <message>
        <source>There is no bot reply to continue yet.</source>
        <translation>Es gibt noch keine Antwort des Bots, die fortgesetzt werden kann.</translation>
    </message>
    <message>
        <source>The model is not loaded yet.</source>
        <translation>Das Modell ist noch nicht geladen.</translation>
    </message>
    <message>
        <source>Select a message first.</source>
        <translation>Wählen Sie zuerst eine Nachricht aus.</translation>
    </message>
    <message>
        <source>This message is shown whole already.</source>
        <translation>Diese Nachricht wird bereits vollständig angezeigt.</translation>
    </message>
    <message>
        <source>C&amp;ontinue Reply</source>
        <translation>Antwort &amp;fortsetzen</translation>
    </message>
    <message>
        <source>The bot carries on its last reply from where it ended</source>
        <translation>Der Bot setzt seine letzte Antwort dort fort, wo sie endete</translation>
    </message>
    <message>
        <source>&amp;Edit Message</source>
        <translation>Nachricht &amp;bearbeiten</translation>
    </message>
    <message>
        <source>Edit the selected message (Up in an empty input box edits your last one)</source>
        <translation>Die ausgewählte Nachricht bearbeiten (Pfeil nach oben in einem leeren Eingabefeld bearbeitet Ihre letzte)</translation>
    </message>
    <message>
        <source>Delete &amp;Message</source>
        <translation>Na&amp;chricht löschen</translation>
    </message>
    <message>
        <source>Delete the selected messages</source>
        <translation>Die ausgewählten Nachrichten löschen</translation>
    </message>
    <message>
        <source>Copy Chat as Mar&amp;kdown</source>
        <translation>Chat als &amp;Markdown kopieren</translation>
    </message>
    <message>
        <source>Delete the selected message with the rest of its turn (your message and its reply)</source>
        <translation>Die ausgewählte Nachricht mit dem Rest ihrer Gesprächsrunde löschen (Ihre Nachricht und die Antwort darauf)</translation>
    </message>
    <message>
        <source>De&amp;lete Turn</source>
        <translation>Runde lö&amp;schen</translation>
    </message>
    <message>
        <source>Message &amp;Info</source>
        <translation>Nachrichten&amp;info</translation>
    </message>
    <message>
        <source>How the selected reply was made</source>
        <translation>Wie die ausgewählte Antwort entstanden ist</translation>
    </message>
    <message>
        <source>Copy the whole chat to the clipboard as Markdown</source>
        <translation>Den ganzen Chat als Markdown in die Zwischenablage kopieren</translation>
    </message>
    <message>
        <source>Show &amp;Whole Message</source>
        <translation>Nachricht &amp;vollständig anzeigen</translation>
    </message>
    <message>
        <source>Show all of a long message, or fold it again (Space in the list)</source>
        <translation>Eine lange Nachricht ganz anzeigen oder wieder einklappen (Leertaste in der Liste)</translation>
    </message>
    <message>
        <source>Copied the code.</source>
        <translation>Code kopiert.</translation>
    </message>
    <message>
        <source>Editing your message: Enter saves, Esc cancels. A new reply follows; the old one is kept.</source>
        <translation>Ihre Nachricht wird bearbeitet: Eingabe speichert, Esc bricht ab. Eine neue Antwort folgt; die alte bleibt erhalten.</translation>
    </message>
    <message>
        <source>Editing the bot's reply: Enter saves, Esc cancels.</source>
        <translation>Die Antwort des Bots wird bearbeitet: Eingabe speichert, Esc bricht ab.</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Copied the chat as Markdown.</source>
        <translation>Chat als Markdown kopiert.</translation>
    </message>
</context>
<context>
    <name>MessageList</name>
    <message>
        <source>The bot can't see above this line</source>
        <translation>Der Bot sieht nichts oberhalb dieser Linie</translation>
    </message>
    <message>
        <source>typing…</source>
        <translation>schreibt…</translation>
    </message>
    <message>
        <source>No time was recorded for this message.</source>
        <translation>Für diese Nachricht wurde keine Zeit gespeichert.</translation>
    </message>
    <message>
        <source>Model: {model}</source>
        <translation>Modell: {model}</translation>
    </message>
    <message>
        <source>Engine: {engine}</source>
        <translation>Engine: {engine}</translation>
    </message>
    <message>
        <source>the model defaults</source>
        <translation>die Vorgaben des Modells</translation>
    </message>
    <message>
        <source>Settings: {settings}</source>
        <translation>Einstellungen: {settings}</translation>
    </message>
    <message>
        <source>, {rate} tokens/s</source>
        <translation>, {rate} Tokens/s</translation>
    </message>
    <message>
        <source>{tokens} tokens in {seconds} s{speed}</source>
        <translation>{tokens} Tokens in {seconds} s{speed}</translation>
    </message>
    <message>
        <source>Stopped before it ended.</source>
        <translation>Vor dem Ende angehalten.</translation>
    </message>
    <message>
        <source>Continued {count} time(s).</source>
        <translation>{count}-mal fortgesetzt.</translation>
    </message>
    <message>
        <source>Edited by you.</source>
        <translation>Von Ihnen bearbeitet.</translation>
    </message>
    <message>
        <source>Server: {model} @ {host}</source>
        <translation>Server: {model} @ {host}</translation>
    </message>
    <message>
        <source>Cut at the length limit: Continue (Ctrl+Shift+Enter) carries it on.</source>
        <translation>An der Längengrenze abgeschnitten: Fortsetzen (Strg+Umschalt+Eingabe) führt sie weiter.</translation>
    </message>
    <message>
        <source>Interrupted: {reason}</source>
        <translation>Unterbrochen: {reason}</translation>
    </message>
    <message>
        <source>Reasoning (not part of the answer, never sent back):
{reasoning}</source>
        <translation>Überlegungen (nicht Teil der Antwort, werden nie zurückgeschickt):
{reasoning}</translation>
    </message>
    <message>
        <source>No details were recorded for this reply.</source>
        <translation>Zu dieser Antwort wurden keine Details gespeichert.</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>Bot</source>
        <translation>Bot</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>cut at the length limit</source>
        <translation>an der Längengrenze abgeschnitten</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
    <message>
        <source>reasoning in Message Info</source>
        <translation>Überlegungen in der Nachrichteninfo</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>bearbeitet</translation>
    </message>
    <message>
        <source>no reply (stopped)</source>
        <translation>keine Antwort (angehalten)</translation>
    </message>
</context>
<context>
    <name>MessageListModel</name>
    <message>
        <source>{author}, writing: {text}</source>
        <translation>{author} schreibt: {text}</translation>
    </message>
    <message>
        <source>{author} is typing</source>
        <translation>{author} schreibt</translation>
    </message>
    <message>
        <source>partly seen by the bot</source>
        <translation>vom Bot nur teilweise gesehen</translation>
    </message>
    <message>
        <source>The bot can no longer see this message: it is outside its input.</source>
        <translation>Der Bot sieht diese Nachricht nicht mehr: Sie liegt außerhalb seiner Eingabe.</translation>
    </message>
    <message>
        <source>The bot sees only the last {sees} of its {total} tokens.</source>
        <translation>Der Bot sieht nur die letzten {sees} ihrer {total} Tokens.</translation>
    </message>
    <message>
        <source>The bot sees only the last part of this message.</source>
        <translation>Der Bot sieht nur den letzten Teil dieser Nachricht.</translation>
    </message>
</context>
<context>
    <name>MessageListView</name>
    <message>
        <source>The chat, oldest first; arrow keys pick a message, the Menu key acts on it</source>
        <translation>Der Chat, älteste Nachricht zuerst; die Pfeiltasten wählen eine Nachricht, die Menütaste bietet Aktionen an</translation>
    </message>
</context>
<context>
    <name>ModelChoices</name>
    <message>
        <source>Wait for the reply, or press Stop.</source>
        <translation>Warten Sie auf die Antwort oder klicken Sie auf „Stopp“.</translation>
    </message>
    <message>
        <source>The {engine} engine cannot run this model, so Confab uses Automatic. ({message})</source>
        <translation>Die Engine „{engine}“ kann dieses Modell nicht ausführen, daher verwendet Confab „Automatisch“. ({message})</translation>
    </message>
</context>
<context>
    <name>ModelMissingDialog</name>
    <message>
        <source>Model needed</source>
        <translation>Modell benötigt</translation>
    </message>
    <message>
        <source>&lt;p&gt;The model &lt;b&gt;{repo_id}&lt;/b&gt; is not on this computer yet.&lt;/p&gt;&lt;p&gt;Confab can download it once from the Hugging Face hub (only the PyTorch weights and tokenizer files) into the standard Hugging Face cache; after that it works offline. Or choose a folder that already holds a model.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Das Modell &lt;b&gt;{repo_id}&lt;/b&gt; ist noch nicht auf diesem Computer.&lt;/p&gt;&lt;p&gt;Confab kann es einmalig vom Hugging Face Hub in den Standard-Cache von Hugging Face herunterladen (nur die PyTorch-Gewichte und die Tokenizer-Dateien); danach funktioniert es offline. Oder wählen Sie einen Ordner, der bereits ein Modell enthält.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Offline mode is on, so nothing will be downloaded. Choose a folder that holds a model (the README's "Other models" shows how to get one without the hub), or start Confab without --offline to download this one.</source>
        <translation>Der Offline-Modus ist aktiv, daher wird nichts heruntergeladen. Wählen Sie einen Ordner, der ein Modell enthält (der Abschnitt „Other models“ im README zeigt, wie Sie eines ohne den Hub bekommen), oder starten Sie Confab ohne --offline, um dieses Modell herunterzuladen.</translation>
    </message>
    <message>
        <source>Checking the download size…</source>
        <translation>Downloadgröße wird ermittelt …</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>Choose Model Folder…</source>
        <translation>Modellordner wählen …</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Memory needed: about {size} with Transformers; {free} free.</source>
        <translation>Benötigter Arbeitsspeicher: etwa {size} mit Transformers; {free} frei.</translation>
    </message>
    <message>
        <source>Memory needed: about {fast} with the fast engine, {size} with Transformers; {free} free.</source>
        <translation>Benötigter Arbeitsspeicher: etwa {fast} mit der schnellen Engine, {size} mit Transformers; {free} frei.</translation>
    </message>
    <message>
        <source>⚠ It does not fit with the engine chosen ({engine}): it would make this computer very slow, or the system may close Confab.</source>
        <translation>⚠ Mit der gewählten Engine ({engine}) passt es nicht in den Speicher: Der Computer würde sehr langsam, oder das System könnte Confab beenden.</translation>
    </message>
    <message>
        <source>{name} needs about {size} of memory with {engine}, and {free} is free now.

Download it anyway?</source>
        <translation>{name} braucht mit {engine} etwa {size} Arbeitsspeicher, und jetzt sind {free} frei.

Trotzdem herunterladen?</translation>
    </message>
    <message>
        <source>Download Anyway</source>
        <translation>Trotzdem herunterladen</translation>
    </message>
    <message>
        <source>Download size: {size} in {count} files.</source>
        <translation>Downloadgröße: {size} in {count} Dateien.</translation>
    </message>
    <message>
        <source> ({size} already here from an earlier try.)</source>
        <translation> ({size} sind bereits von einem früheren Versuch vorhanden.)</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>memory {size} (transformers)</source>
        <translation>Speicher {size} (transformers)</translation>
    </message>
    <message>
        <source>{memory}, {size} (fast)</source>
        <translation>{memory}, {size} (schnell)</translation>
    </message>
    <message>
        <source>{memory}; the fast engine does not run it</source>
        <translation>{memory}; die schnelle Engine kann es nicht ausführen</translation>
    </message>
    <message>
        <source>⚠ Needs about {size} with {engine}; {free} free.</source>
        <translation>⚠ Braucht etwa {size} mit {engine}; {free} frei.</translation>
    </message>
    <message>
        <source>⚠ Needs about {size} with {engine} and {size2} with {engine2}; {free} free.</source>
        <translation>⚠ Braucht etwa {size} mit {engine} und {size2} mit {engine2}; {free} frei.</translation>
    </message>
    <message>
        <source>Choose a model</source>
        <translation>Modell wählen</translation>
    </message>
    <message>
        <source>&amp;BlenderBot models:</source>
        <translation>&amp;BlenderBot-Modelle:</translation>
    </message>
    <message>
        <source>BlenderBot models</source>
        <translation>BlenderBot-Modelle</translation>
    </message>
    <message>
        <source>Download size, memory per engine, license, and whether it is on this computer</source>
        <translation>Downloadgröße, Speicherbedarf je Engine, Lizenz und ob es auf diesem Computer vorhanden ist</translation>
    </message>
    <message>
        <source>&amp;Recent models:</source>
        <translation>&amp;Zuletzt verwendete Modelle:</translation>
    </message>
    <message>
        <source>Recent models</source>
        <translation>Zuletzt verwendete Modelle</translation>
    </message>
    <message>
        <source>Inference &amp;servers (OpenAI-compatible: vLLM, llama.cpp, Ollama…):</source>
        <translation>Inferenz-&amp;Server (OpenAI-kompatibel: vLLM, llama.cpp, Ollama…):</translation>
    </message>
    <message>
        <source>Inference servers</source>
        <translation>Inferenz-Server</translation>
    </message>
    <message>
        <source>&amp;Add Server…</source>
        <translation>Server &amp;hinzufügen…</translation>
    </message>
    <message>
        <source>&amp;Edit Server…</source>
        <translation>Server b&amp;earbeiten…</translation>
    </message>
    <message>
        <source>Any model on the Hugging Face &amp;hub:</source>
        <translation>Beliebiges Modell vom Hugging Face H&amp;ub:</translation>
    </message>
    <message>
        <source>owner/name, e.g. facebook/blenderbot-400M-distill</source>
        <translation>Besitzer/Name, z. B. facebook/blenderbot-400M-distill</translation>
    </message>
    <message>
        <source>Hub model id</source>
        <translation>Hub-Modell-ID</translation>
    </message>
    <message>
        <source>Choose &amp;Folder…</source>
        <translation>&amp;Ordner wählen…</translation>
    </message>
    <message>
        <source>Choose a model folder</source>
        <translation>Modellordner wählen</translation>
    </message>
    <message>
        <source>Model picker message</source>
        <translation>Meldung der Modellauswahl</translation>
    </message>
    <message>
        <source>&amp;Use</source>
        <translation>&amp;Verwenden</translation>
    </message>
    <message>
        <source>Use the selected model</source>
        <translation>Das ausgewählte Modell verwenden</translation>
    </message>
    <message>
        <source>&amp;Remove…</source>
        <translation>Ent&amp;fernen…</translation>
    </message>
    <message>
        <source>Remove the selected model from this computer</source>
        <translation>Das ausgewählte Modell von diesem Computer entfernen</translation>
    </message>
    <message>
        <source>local folder</source>
        <translation>lokaler Ordner</translation>
    </message>
    <message>
        <source>folder not found</source>
        <translation>Ordner nicht gefunden</translation>
    </message>
    <message>
        <source>, converted for the fast engine</source>
        <translation>, für die schnelle Engine umgewandelt</translation>
    </message>
    <message>
        <source>, in use</source>
        <translation>, in Verwendung</translation>
    </message>
    <message>
        <source>download {size}</source>
        <translation>Download {size}</translation>
    </message>
    <message>
        <source>the server’s model</source>
        <translation>das Modell des Servers</translation>
    </message>
    <message>
        <source>The chat's turns are sent to this server</source>
        <translation>Die Beiträge des Chats werden an diesen Server gesendet</translation>
    </message>
    <message>
        <source>The chat's turns go to this server; the chat stays here.</source>
        <translation>Die Beiträge des Chats gehen an diesen Server; der Chat selbst bleibt hier.</translation>
    </message>
    <message>
        <source>A folder: Use checks that it holds a model.</source>
        <translation>Ein Ordner: „Verwenden“ prüft, ob er ein Modell enthält.</translation>
    </message>
    <message>
        <source>Forget this server and its key</source>
        <translation>Diesen Server und seinen Schlüssel vergessen</translation>
    </message>
    <message>
        <source>The model in use cannot be removed; choose another one first.</source>
        <translation>Das verwendete Modell kann nicht entfernt werden; wählen Sie zuerst ein anderes.</translation>
    </message>
    <message>
        <source>{name} needs about {size} of memory with {engine}, and {free} is free now.

Loading it may make this computer very slow, or the system may close Confab. Close other programs first, or choose a smaller model.

Load it anyway?</source>
        <translation>{name} braucht mit {engine} etwa {size} Arbeitsspeicher, und jetzt sind {free} frei.

Das Laden kann diesen Computer sehr langsam machen, oder das System könnte Confab beenden. Schließen Sie zuerst andere Programme oder wählen Sie ein kleineres Modell.

Trotzdem laden?</translation>
    </message>
    <message>
        <source>Load Anyway</source>
        <translation>Trotzdem laden</translation>
    </message>
    <message>
        <source>{name} was not chosen: not enough memory.</source>
        <translation>{name} wurde nicht gewählt: nicht genug Arbeitsspeicher.</translation>
    </message>
    <message>
        <source>Remove {name} from this computer?</source>
        <translation>{name} von diesem Computer entfernen?</translation>
    </message>
    <message>
        <source>Forget {name} from the recent models?</source>
        <translation>{name} aus den zuletzt verwendeten Modellen entfernen?</translation>
    </message>
    <message>
        <source>This deletes:</source>
        <translation>Dies löscht:</translation>
    </message>
    <message>
        <source>• its download in the Hugging Face cache, {folder} ({size})</source>
        <translation>• seinen Download im Hugging-Face-Cache, {folder} ({size})</translation>
    </message>
    <message>
        <source>• Confab's fast-engine conversion, {folder}</source>
        <translation>• Confabs Umwandlung für die schnelle Engine, {folder}</translation>
    </message>
    <message>
        <source>  ({size} in all)</source>
        <translation>  ({size} insgesamt)</translation>
    </message>
    <message>
        <source>{size} will be freed.</source>
        <translation>{size} werden frei.</translation>
    </message>
    <message>
        <source>The folder {folder} itself is not deleted.</source>
        <translation>Der Ordner {folder} selbst wird nicht gelöscht.</translation>
    </message>
    <message>
        <source>Using it again needs a new download.</source>
        <translation>Um es wieder zu verwenden, ist ein neuer Download nötig.</translation>
    </message>
    <message>
        <source>Remove a model</source>
        <translation>Modell entfernen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Forget</source>
        <translation>Vergessen</translation>
    </message>
    <message>
        <source>{name} could not be removed completely: {error}</source>
        <translation>{name} konnte nicht vollständig entfernt werden: {error}</translation>
    </message>
    <message>
        <source>Removed {name}: {size} freed.</source>
        <translation>{name} entfernt: {size} frei geworden.</translation>
    </message>
    <message>
        <source>Forgot {name}.</source>
        <translation>{name} vergessen.</translation>
    </message>
    <message>
        <source>Forget the server {name} and its API key? Chats written with it stay.</source>
        <translation>Den Server {name} und seinen API-Schlüssel vergessen? Mit ihm geführte Chats bleiben erhalten.</translation>
    </message>
</context>
<context>
    <name>ModelSetup</name>
    <message>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>Modellstatus</translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation>Fortschritt beim Laden des Modells</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>{name} wird geladen…</translation>
    </message>
    <message>
        <source>Loading the model {name}</source>
        <translation>Das Modell {name} wird geladen</translation>
    </message>
    <message>
        <source>Loading {name}: {step}</source>
        <translation>{name} wird geladen: {step}</translation>
    </message>
    <message>
        <source>Ready: {model} ({engine})</source>
        <translation>Bereit: {model} ({engine})</translation>
    </message>
    <message>
        <source>{architecture}, {millions} M parameters, context {tokens} tokens, loaded in {seconds} s</source>
        <translation>{architecture}, {millions} Mio. Parameter, Kontext {tokens} Tokens, geladen in {seconds} s</translation>
    </message>
    <message>
        <source>Device: {reason}</source>
        <translation>Gerät: {reason}</translation>
    </message>
    <message>
        <source>The model {name} is ready</source>
        <translation>Das Modell {name} ist bereit</translation>
    </message>
    <message>
        <source>Model error</source>
        <translation>Modellfehler</translation>
    </message>
    <message>
        <source>The model cannot be used</source>
        <translation>Das Modell kann nicht verwendet werden</translation>
    </message>
    <message>
        <source>Choose Model Folder…</source>
        <translation>Modellordner wählen…</translation>
    </message>
    <message>
        <source>{name} is not on this computer</source>
        <translation>{name} ist nicht auf diesem Computer</translation>
    </message>
    <message>
        <source>The model {name} is not in the local Hugging Face cache.</source>
        <translation>Das Modell {name} ist nicht im lokalen Hugging-Face-Cache.</translation>
    </message>
    <message>
        <source>Downloading {name}…</source>
        <translation>{name} wird heruntergeladen…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Downloading the model</source>
        <translation>Modell wird heruntergeladen</translation>
    </message>
    <message>
        <source>Downloading the model {name}</source>
        <translation>Das Modell {name} wird heruntergeladen</translation>
    </message>
    <message>
        <source>Downloaded {done} of {total}</source>
        <translation>{done} von {total} heruntergeladen</translation>
    </message>
    <message>
        <source>Downloaded to {folder}</source>
        <translation>Heruntergeladen nach {folder}</translation>
    </message>
    <message>
        <source>Download cancelled; the files already fetched are kept</source>
        <translation>Download abgebrochen; die bereits geladenen Dateien bleiben erhalten</translation>
    </message>
    <message>
        <source>Choose a model folder</source>
        <translation>Modellordner wählen</translation>
    </message>
</context>
<context>
    <name>PersonaPanel</name>
    <message>
        <source>Lines that describe the bot, e.g. "I love dogs." BlenderBot reads each as "your persona: …", as it was trained.</source>
        <translation>Zeilen, die den Bot beschreiben, z. B. „I love dogs.“ BlenderBot liest jede als „your persona: …“, wie er trainiert wurde.</translation>
    </message>
    <message>
        <source>The system prompt: what the model is told before the chat.</source>
        <translation>Der Systemprompt: was dem Modell vor dem Chat gesagt wird.</translation>
    </message>
    <message>
        <source>Persona</source>
        <translation>Persona</translation>
    </message>
    <message>
        <source>Persona of this chat</source>
        <translation>Persona dieses Chats</translation>
    </message>
    <message>
        <source>Who the bot should be in this chat; Apply (Ctrl+Enter) uses it from the next reply on</source>
        <translation>Wer der Bot in diesem Chat sein soll; Übernehmen (Strg+Eingabe) gilt ab der nächsten Antwort</translation>
    </message>
    <message>
        <source>Use this persona from the next reply on (Ctrl+Enter in the text)</source>
        <translation>Diese Persona ab der nächsten Antwort verwenden (Strg+Eingabe im Text)</translation>
    </message>
    <message>
        <source>No persona: the bot is itself.</source>
        <translation>Keine Persona: Der Bot ist er selbst.</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>Ü&amp;bernehmen</translation>
    </message>
    <message>
        <source>Re&amp;vert</source>
        <translation>&amp;Zurücksetzen</translation>
    </message>
    <message>
        <source>Back to the persona the chat has</source>
        <translation>Zurück zur Persona, die der Chat hat</translation>
    </message>
    <message>
        <source>Persona (not applied)</source>
        <translation>Persona (nicht übernommen)</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>&amp;Beams</source>
        <translation>&amp;Beams</translation>
    </message>
    <message>
        <source>1: greedy or sampling, streams; more: beam search.</source>
        <translation>1: Greedy oder Sampling, wird gestreamt; mehr: Beam-Suche.</translation>
    </message>
    <message>
        <source>M&amp;in length</source>
        <translation>M&amp;indestlänge</translation>
    </message>
    <message>
        <source>The shortest reply, in tokens.</source>
        <translation>Die kürzeste Antwort, in Tokens.</translation>
    </message>
    <message>
        <source>Ma&amp;x length</source>
        <translation>Ma&amp;ximallänge</translation>
    </message>
    <message>
        <source>The longest reply, in tokens.</source>
        <translation>Die längste Antwort, in Tokens.</translation>
    </message>
    <message>
        <source>&amp;No-repeat n-gram size</source>
        <translation>&amp;N-Gramm-Wiederholsperre</translation>
    </message>
    <message>
        <source>No run of this many tokens appears twice in a reply (0: off).</source>
        <translation>Keine Folge aus so vielen Tokens kommt zweimal in einer Antwort vor (0: aus).</translation>
    </message>
    <message>
        <source>&amp;Temperature</source>
        <translation>&amp;Temperatur</translation>
    </message>
    <message>
        <source>Sampling: below 1 safer, above 1 wilder.</source>
        <translation>Sampling: unter 1 vorsichtiger, über 1 wilder.</translation>
    </message>
    <message>
        <source>T&amp;op-p</source>
        <translation>T&amp;op-p</translation>
    </message>
    <message>
        <source>Sampling: only from the likeliest words that make up this share of the probability.</source>
        <translation>Sampling: nur aus den wahrscheinlichsten Wörtern, die zusammen diesen Anteil der Wahrscheinlichkeit ausmachen.</translation>
    </message>
    <message>
        <source>Top-&amp;k</source>
        <translation>Top-&amp;k</translation>
    </message>
    <message>
        <source>Sampling: only from this many likeliest words (0: all).</source>
        <translation>Sampling: nur aus so vielen der wahrscheinlichsten Wörter (0: alle).</translation>
    </message>
    <message>
        <source>&amp;Repetition penalty</source>
        <translation>Wieder&amp;holungsstrafe</translation>
    </message>
    <message>
        <source>Above 1 makes words already used less likely (1: off).</source>
        <translation>Über 1 macht bereits verwendete Wörter unwahrscheinlicher (1: aus).</translation>
    </message>
    <message>
        <source>See&amp;d</source>
        <translation>See&amp;d</translation>
    </message>
    <message>
        <source>The same seed gives the same sampled reply (empty: random).</source>
        <translation>Derselbe Seed ergibt dieselbe Sampling-Antwort (leer: zufällig).</translation>
    </message>
    <message>
        <source>Max ne&amp;w tokens</source>
        <translation>Max. ne&amp;ue Tokens</translation>
    </message>
    <message>
        <source>Causal models: the longest reply, in tokens.</source>
        <translation>Kausale Modelle: die längste Antwort, in Tokens.</translation>
    </message>
    <message>
        <source>Model default</source>
        <translation>Modellstandard</translation>
    </message>
    <message>
        <source>Off (greedy or beam search)</source>
        <translation>Aus (Greedy oder Beam-Suche)</translation>
    </message>
    <message>
        <source>On (sampling)</source>
        <translation>An (Sampling)</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>&amp;Generation</source>
        <translation>&amp;Generierung</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Modell</translation>
    </message>
    <message>
        <source>Preferences status</source>
        <translation>Status der Einstellungen</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>A new language shows the next time Confab starts.</source>
        <translation>Eine neue Sprache wird beim nächsten Start von Confab angezeigt.</translation>
    </message>
    <message>
        <source>Lang&amp;uage</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <source>Reply style preset</source>
        <translation>Vorlage für den Antwortstil</translation>
    </message>
    <message>
        <source>&amp;Preset</source>
        <translation>&amp;Vorlage</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>Sampling</translation>
    </message>
    <message>
        <source>Sampling picks words at random by their likelihood.</source>
        <translation>Sampling wählt Wörter zufällig nach ihrer Wahrscheinlichkeit.</translation>
    </message>
    <message>
        <source>{field} problem</source>
        <translation>Problem bei {field}</translation>
    </message>
    <message>
        <source>S&amp;ampling</source>
        <translation>S&amp;ampling</translation>
    </message>
    <message>
        <source>Reset to model de&amp;faults</source>
        <translation>Auf Modell-Standardwerte &amp;zurücksetzen</translation>
    </message>
    <message>
        <source>Reset to model defaults</source>
        <translation>Auf Modell-Standardwerte zurücksetzen</translation>
    </message>
    <message>
        <source>&amp;Save as preset…</source>
        <translation>Als Vorlage s&amp;peichern…</translation>
    </message>
    <message>
        <source>Save as preset</source>
        <translation>Als Vorlage speichern</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>Engine</translation>
    </message>
    <message>
        <source>&amp;Engine</source>
        <translation>&amp;Engine</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU-Threads</translation>
    </message>
    <message>
        <source>1 to {count}</source>
        <translation>1 bis {count}</translation>
    </message>
    <message>
        <source>Threads used for replies (takes effect on the next load).</source>
        <translation>Für Antworten verwendete Threads (gilt ab dem nächsten Laden).</translation>
    </message>
    <message>
        <source>CPU threads problem</source>
        <translation>Problem bei CPU-Threads</translation>
    </message>
    <message>
        <source>&amp;CPU threads</source>
        <translation>&amp;CPU-Threads</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>De&amp;vice</source>
        <translation>Ge&amp;rät</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>C&amp;hoose model…</source>
        <translation>Modell &amp;wählen…</translation>
    </message>
    <message>
        <source>Choose model</source>
        <translation>Modell wählen</translation>
    </message>
    <message>
        <source>Mode&amp;l</source>
        <translation>Mode&amp;ll</translation>
    </message>
    <message>
        <source>not used by this model</source>
        <translation>von diesem Modell nicht verwendet</translation>
    </message>
    <message>
        <source>as max new tokens</source>
        <translation>wie max. neue Tokens</translation>
    </message>
    <message>
        <source>random</source>
        <translation>zufällig</translation>
    </message>
    <message>
        <source>model default</source>
        <translation>Modellstandard</translation>
    </message>
    <message>
        <source>{value} (model default)</source>
        <translation>{value} (Modellstandard)</translation>
    </message>
    <message>
        <source>Name of the new preset:</source>
        <translation>Name der neuen Vorlage:</translation>
    </message>
    <message>
        <source>Preset name</source>
        <translation>Name der Vorlage</translation>
    </message>
    <message>
        <source>A preset needs a name.</source>
        <translation>Eine Vorlage braucht einen Namen.</translation>
    </message>
    <message>
        <source>“{name}” is a built-in style; choose another name.</source>
        <translation>„{name}“ ist ein eingebauter Stil; wählen Sie einen anderen Namen.</translation>
    </message>
    <message>
        <source>Fix the values marked first.</source>
        <translation>Korrigieren Sie zuerst die markierten Werte.</translation>
    </message>
    <message>
        <source>Saved the preset “{name}”.</source>
        <translation>Vorlage „{name}“ gespeichert.</translation>
    </message>
    <message>
        <source>Not a whole number.</source>
        <translation>Keine ganze Zahl.</translation>
    </message>
    <message>
        <source>Not a number (e.g. 0.8).</source>
        <translation>Keine Zahl (z. B. 0,8).</translation>
    </message>
    <message>
        <source>1 value to fix before OK: {names}.</source>
        <translation>1 Wert vor „OK“ zu korrigieren: {names}.</translation>
    </message>
    <message>
        <source>{count} values to fix before OK: {names}.</source>
        <translation>{count} Werte vor „OK“ zu korrigieren: {names}.</translation>
    </message>
    <message>
        <source>A whole number from 1 to {count} (this computer's CPU count).</source>
        <translation>Eine ganze Zahl von 1 bis {count} (die Anzahl der CPUs dieses Computers).</translation>
    </message>
    <message>
        <source>{model} (default)</source>
        <translation>{model} (Standard)</translation>
    </message>
</context>
<context>
    <name>ReadmeDialog</name>
    <message>
        <source>README</source>
        <translation>README</translation>
    </message>
    <message>
        <source>The README cannot be read (%1): %2</source>
        <translation>Das README kann nicht gelesen werden (%1): %2</translation>
    </message>
</context>
<context>
    <name>ReplyActions</name>
    <message>
        <source>There is no bot reply to regenerate yet.</source>
        <translation>Es gibt noch keine Antwort des Bots, die neu erzeugt werden kann.</translation>
    </message>
    <message>
        <source>Wait for the reply, or press Stop.</source>
        <translation>Warten Sie auf die Antwort oder drücken Sie „Stopp“.</translation>
    </message>
    <message>
        <source>The model is not loaded yet.</source>
        <translation>Das Modell ist noch nicht geladen.</translation>
    </message>
    <message>
        <source>Re&amp;generate Reply</source>
        <translation>Antwort &amp;neu erzeugen</translation>
    </message>
    <message>
        <source>Pre&amp;vious Version of Reply</source>
        <translation>Vori&amp;ge Version der Antwort</translation>
    </message>
    <message>
        <source>Ne&amp;xt Version of Reply</source>
        <translation>Nächs&amp;te Version der Antwort</translation>
    </message>
    <message>
        <source>Ask again; the reply shown now is kept as a version (sampled, so it differs)</source>
        <translation>Erneut fragen; die jetzt angezeigte Antwort bleibt als Version erhalten (per Sampling, daher anders)</translation>
    </message>
    <message>
        <source>Version {number} of {count}</source>
        <translation>Version {number} von {count}</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>Search All Chats</source>
        <translation>Alle Chats durchsuchen</translation>
    </message>
    <message>
        <source>Words, or "a phrase in quotes"</source>
        <translation>Wörter oder "eine Wortgruppe in Anführungszeichen"</translation>
    </message>
    <message>
        <source>Search all chats</source>
        <translation>Alle Chats durchsuchen</translation>
    </message>
    <message>
        <source>Words to find in every chat; Enter opens the chosen result</source>
        <translation>Wörter, die in allen Chats gesucht werden; Eingabe öffnet das gewählte Ergebnis</translation>
    </message>
    <message>
        <source>Search results count</source>
        <translation>Anzahl der Suchergebnisse</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Suchergebnisse</translation>
    </message>
    <message>
        <source>Matching messages; Enter opens one</source>
        <translation>Passende Nachrichten; Eingabe öffnet eine</translation>
    </message>
    <message>
        <source>Search is not available: the index could not be opened.</source>
        <translation>Die Suche ist nicht verfügbar: Der Index konnte nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>Search failed: {error}</source>
        <translation>Die Suche ist fehlgeschlagen: {error}</translation>
    </message>
    <message>
        <source>{count} message(s) found</source>
        <translation>{count} Nachricht(en) gefunden</translation>
    </message>
    <message>
        <source>Nothing found</source>
        <translation>Nichts gefunden</translation>
    </message>
</context>
<context>
    <name>ServerDialog</name>
    <message>
        <source>Edit server</source>
        <translation>Server bearbeiten</translation>
    </message>
    <message>
        <source>Add a server</source>
        <translation>Server hinzufügen</translation>
    </message>
    <message>
        <source>e.g. Home server</source>
        <translation>z. B. Heimserver</translation>
    </message>
    <message>
        <source>e.g. http://192.168.1.20:8000/v1 or localhost:11434</source>
        <translation>z. B. http://192.168.1.20:8000/v1 oder localhost:11434</translation>
    </message>
    <message>
        <source>none: local servers need none</source>
        <translation>keiner: lokale Server brauchen keinen</translation>
    </message>
    <message>
        <source>Test connection lists the models</source>
        <translation>„Verbindung testen“ listet die Modelle auf</translation>
    </message>
    <message>
        <source>as the server says (else 4096)</source>
        <translation>wie vom Server angegeben (sonst 4096)</translation>
    </message>
    <message>
        <source>Server name</source>
        <translation>Servername</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Serveradresse</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>Model on the server</source>
        <translation>Modell auf dem Server</translation>
    </message>
    <message>
        <source>Context length in tokens</source>
        <translation>Kontextlänge in Tokens</translation>
    </message>
    <message>
        <source>&amp;Test Connection</source>
        <translation>&amp;Verbindung testen</translation>
    </message>
    <message>
        <source>Connection status</source>
        <translation>Verbindungsstatus</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation>&amp;Adresse:</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API-Sch&amp;lüssel:</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>&amp;Modell:</translation>
    </message>
    <message>
        <source>&amp;Context length:</source>
        <translation>&amp;Kontextlänge:</translation>
    </message>
    <message>
        <source>An OpenAI-compatible server (vLLM, llama.cpp's llama-server, Ollama, TGI, LM Studio). The chat's turns are sent to it; the chats stay in files here.</source>
        <translation>Ein OpenAI-kompatibler Server (vLLM, llama-server von llama.cpp, Ollama, TGI, LM Studio). Die Beiträge des Chats werden an ihn gesendet; die Chats bleiben als Dateien hier.</translation>
    </message>
    <message>
        <source>Asking the server…</source>
        <translation>Server wird abgefragt…</translation>
    </message>
    <message>
        <source>Give the server a name.</source>
        <translation>Geben Sie dem Server einen Namen.</translation>
    </message>
    <message>
        <source>There is a server named {name} already.</source>
        <translation>Es gibt bereits einen Server namens {name}.</translation>
    </message>
    <message>
        <source>The context length is a whole number of tokens (16 or more), or empty.</source>
        <translation>Die Kontextlänge ist eine ganze Zahl von Tokens (16 oder mehr) oder leer.</translation>
    </message>
    <message>
        <source> Keep this address?</source>
        <translation> Diese Adresse behalten?</translation>
    </message>
    <message>
        <source>This system has no keyring to keep the API key in. Keep it in Confab's settings file ({path}) in plain text? Anyone who can read that file can use the key. No keeps it only until Confab closes.</source>
        <translation>Dieses System hat keinen Schlüsselbund für den API-Schlüssel. Soll er im Klartext in Confabs Einstellungsdatei ({path}) gespeichert werden? Jeder, der diese Datei lesen kann, kann den Schlüssel verwenden. Mit „Nein“ bleibt er nur bis zum Schließen von Confab erhalten.</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Input box</source>
        <translation>Eingabefeld</translation>
    </message>
    <message>
        <source>Send the message</source>
        <translation>Nachricht senden</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Start a new line</source>
        <translation>Neue Zeile beginnen</translation>
    </message>
    <message>
        <source>Shift+Enter</source>
        <translation>Umschalt+Eingabe</translation>
    </message>
    <message>
        <source>Stop the reply, or cancel an edit</source>
        <translation>Antwort anhalten oder Bearbeitung abbrechen</translation>
    </message>
    <message>
        <source>Esc</source>
        <translation>Esc</translation>
    </message>
    <message>
        <source>Edit your last message (when the box is empty)</source>
        <translation>Letzte eigene Nachricht bearbeiten (wenn das Feld leer ist)</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>Pfeil hoch</translation>
    </message>
    <message>
        <source>Message list</source>
        <translation>Nachrichtenliste</translation>
    </message>
    <message>
        <source>Pick a message</source>
        <translation>Nachricht auswählen</translation>
    </message>
    <message>
        <source>Up, Down, Home, End</source>
        <translation>Pfeil hoch, Pfeil runter, Pos1, Ende</translation>
    </message>
    <message>
        <source>Show the previous or next version of a reply</source>
        <translation>Vorherige oder nächste Version einer Antwort zeigen</translation>
    </message>
    <message>
        <source>Delete the selected messages</source>
        <translation>Ausgewählte Nachrichten löschen</translation>
    </message>
    <message>
        <source>Del</source>
        <translation>Entf</translation>
    </message>
    <message>
        <source>Delete the whole turn</source>
        <translation>Den ganzen Gesprächszug löschen</translation>
    </message>
    <message>
        <source>Shift+Del</source>
        <translation>Umschalt+Entf</translation>
    </message>
    <message>
        <source>Open the message's menu</source>
        <translation>Menü der Nachricht öffnen</translation>
    </message>
    <message>
        <source>Menu key, or Shift+F10</source>
        <translation>Menütaste oder Umschalt+F10</translation>
    </message>
    <message>
        <source>Chat list</source>
        <translation>Chatliste</translation>
    </message>
    <message>
        <source>Switch chats</source>
        <translation>Chat wechseln</translation>
    </message>
    <message>
        <source>Up, Down</source>
        <translation>Pfeil hoch, Pfeil runter</translation>
    </message>
    <message>
        <source>Delete the chat</source>
        <translation>Chat löschen</translation>
    </message>
    <message>
        <source>Find bar</source>
        <translation>Suchleiste</translation>
    </message>
    <message>
        <source>Next or previous match</source>
        <translation>Nächster oder vorheriger Treffer</translation>
    </message>
    <message>
        <source>Enter, Shift+Enter</source>
        <translation>Eingabe, Umschalt+Eingabe</translation>
    </message>
    <message>
        <source>Dialogs</source>
        <translation>Dialoge</translation>
    </message>
    <message>
        <source>Close without changes</source>
        <translation>Ohne Änderungen schließen</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>Fenster</translation>
    </message>
    <message>
        <source>Move between the sidebar, the messages and the input box</source>
        <translation>Zwischen Seitenleiste, Nachrichten und Eingabefeld wechseln</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Type to filter, e.g. "chat" or "Ctrl"</source>
        <translation>Zum Filtern tippen, z. B. „Chat“ oder „Strg“</translation>
    </message>
    <message>
        <source>Filter shortcuts</source>
        <translation>Tastenkürzel filtern</translation>
    </message>
    <message>
        <source>&amp;Filter:</source>
        <translation>&amp;Filter:</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Tasten</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Wo</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>No shortcut matches.</source>
        <translation>Kein Tastenkürzel passt.</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>New Chat</source>
        <translation>Neuer Chat</translation>
    </message>
    <message>
        <source>Start a new chat (Ctrl+N)</source>
        <translation>Einen neuen Chat beginnen (Strg+N)</translation>
    </message>
    <message>
        <source>Trash</source>
        <translation>Papierkorb</translation>
    </message>
    <message>
        <source>Deleted chats: restore one, or empty the trash</source>
        <translation>Gelöschte Chats: einen wiederherstellen oder den Papierkorb leeren</translation>
    </message>
</context>
<context>
    <name>ViewOptions</name>
    <message>
        <source>Replies as Plain Te&amp;xt</source>
        <translation>Antworten als reiner Te&amp;xt</translation>
    </message>
    <message>
        <source>Show the bot's replies exactly as written, without Markdown formatting</source>
        <translation>Die Antworten des Bots genau wie geschrieben anzeigen, ohne Markdown-Formatierung</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>&amp;Farbschema</translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation>&amp;System</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>&amp;Hell</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>&amp;Dunkel</translation>
    </message>
    <message>
        <source>Follow the desktop's light or dark setting</source>
        <translation>Der hellen oder dunklen Einstellung des Desktops folgen</translation>
    </message>
    <message>
        <source>Always light</source>
        <translation>Immer hell</translation>
    </message>
    <message>
        <source>Always dark</source>
        <translation>Immer dunkel</translation>
    </message>
</context>
<context>
    <name>WelcomePanel</name>
    <message>
        <source>{n} s</source>
        <translation>{n} s</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <source>The bot will answer once the model is loaded.</source>
        <translation>Der Bot antwortet, sobald das Modell geladen ist.</translation>
    </message>
    <message>
        <source>No model is loading, so the bot cannot answer yet. Your message is kept: choose a model (Model &gt; Choose Model…) or open a model folder, and the bot answers it once the model is loaded.</source>
        <translation>Es wird kein Modell geladen, daher kann der Bot noch nicht antworten. Ihre Nachricht bleibt erhalten: Wählen Sie ein Modell (Modell &gt; Modell wählen…) oder öffnen Sie einen Modellordner, dann antwortet der Bot darauf, sobald das Modell geladen ist.</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Willkommen</translation>
    </message>
    <message>
        <source>What the bot is, what it is doing now, and prompts to start with</source>
        <translation>Was der Bot ist, was er gerade tut, und Vorschläge für den Einstieg</translation>
    </message>
    <message>
        <source>About the bot</source>
        <translation>Über den Bot</translation>
    </message>
    <message>
        <source>What the model is doing</source>
        <translation>Was das Modell gerade tut</translation>
    </message>
    <message>
        <source>Model progress</source>
        <translation>Fortschritt des Modells</translation>
    </message>
    <message>
        <source>Choose Model…</source>
        <translation>Modell wählen…</translation>
    </message>
    <message>
        <source>Choose a model</source>
        <translation>Ein Modell wählen</translation>
    </message>
    <message>
        <source>A BlenderBot model, any hub model, a folder, or a recent one</source>
        <translation>Ein BlenderBot-Modell, ein beliebiges Hub-Modell, ein Ordner oder ein zuletzt verwendetes Modell</translation>
    </message>
    <message>
        <source>Open Model Folder…</source>
        <translation>Modellordner öffnen…</translation>
    </message>
    <message>
        <source>Open a model folder</source>
        <translation>Einen Modellordner öffnen</translation>
    </message>
    <message>
        <source>Load a model from a folder on this computer</source>
        <translation>Ein Modell aus einem Ordner auf diesem Computer laden</translation>
    </message>
    <message>
        <source>To start, pick one of these; it goes to the input box, and Enter sends it:</source>
        <translation>Wählen Sie zum Start einen dieser Vorschläge; er kommt ins Eingabefeld, und die Eingabetaste sendet ihn:</translation>
    </message>
    <message>
        <source>Puts this text in the input box</source>
        <translation>Setzt diesen Text ins Eingabefeld</translation>
    </message>
    <message>
        <source>Starting the download of {name}…</source>
        <translation>Download von {name} wird gestartet…</translation>
    </message>
    <message>
        <source>Ready. Write a message below.</source>
        <translation>Bereit. Schreiben Sie unten eine Nachricht.</translation>
    </message>
    <message>
        <source>No model is loaded, and none is loading, so the bot cannot answer yet. Choose a model (BlenderBot, any Hugging Face model, or a recent one), or open a folder that already holds one; offline, the README's "Other models" says how to get one. What you write meanwhile is kept and answered once a model is loaded.</source>
        <translation>Es ist kein Modell geladen und es wird auch keines geladen, daher kann der Bot noch nicht antworten. Wählen Sie ein Modell (BlenderBot, ein beliebiges Hugging-Face-Modell oder ein zuletzt verwendetes) oder öffnen Sie einen Ordner, der bereits eines enthält; ohne Internetverbindung zeigt der Abschnitt „Other models“ im README, wie Sie eines bekommen. Was Sie in der Zwischenzeit schreiben, bleibt erhalten und wird beantwortet, sobald ein Modell geladen ist.</translation>
    </message>
    <message>
        <source>The model could not be loaded:
{reason}

Choose another model or open a model folder, or put the problem right and use Model &gt; Reload Model.</source>
        <translation>Das Modell konnte nicht geladen werden:
{reason}

Wählen Sie ein anderes Modell oder öffnen Sie einen Modellordner, oder beheben Sie das Problem und verwenden Sie Modell &gt; Modell neu laden.</translation>
    </message>
    <message>
        <source>Loading {name}: {percent} %</source>
        <translation>{name} wird geladen: {percent} %</translation>
    </message>
    <message>
        <source>{status} ({step})</source>
        <translation>{status} ({step})</translation>
    </message>
    <message>
        <source>Downloading {name}: {done} of {total} ({percent} %)…</source>
        <translation>{name} wird heruntergeladen: {done} von {total} ({percent} %)…</translation>
    </message>
    <message>
        <source>Downloading {name}: {done} of {total} ({percent} %), about {left} left</source>
        <translation>{name} wird heruntergeladen: {done} von {total} ({percent} %), noch etwa {left}</translation>
    </message>
    <message>
        <source>Chat with {name}</source>
        <translation>Chat mit {name}</translation>
    </message>
    <message>
        <source>Welcome to {app}</source>
        <translation>Willkommen bei {app}</translation>
    </message>
    <message>
        <source>{name} is a small chit-chat model that runs on this computer. It is good at casual small talk. It sees only the last few turns of the chat (about {limit} tokens) and forgets what came before, and it makes things up: do not rely on what it says.</source>
        <translation>{name} ist ein kleines Plaudermodell, das auf diesem Computer läuft. Es eignet sich gut für lockeren Smalltalk. Es sieht nur die letzten paar Gesprächsrunden des Chats (etwa {limit} Tokens) und vergisst, was davor kam, und es erfindet Dinge: Verlassen Sie sich nicht auf seine Aussagen.</translation>
    </message>
    <message>
        <source>{name} runs on an inference server. How much of the chat it sees depends on that model, and it can be wrong with confidence: check anything that matters.</source>
        <translation>{name} läuft auf einem Inferenzserver. Wie viel des Chats es sieht, hängt von diesem Modell ab, und es kann sich mit großer Überzeugung irren: Prüfen Sie alles, was wichtig ist.</translation>
    </message>
    <message>
        <source>{name} is a language model that runs on this computer, so the chat stays here. It sees about the last {limit} tokens of the chat, and it can be wrong with confidence: check anything that matters.</source>
        <translation>{name} ist ein Sprachmodell, das auf diesem Computer läuft, der Chat bleibt also hier. Es sieht etwa die letzten {limit} Tokens des Chats und kann sich mit großer Überzeugung irren: Prüfen Sie alles, was wichtig ist.</translation>
    </message>
    <message>
        <source>The bot is a language model that runs on this computer, so the chat stays here. It sees only the most recent part of a long chat, and it can be wrong with confidence: check anything that matters.</source>
        <translation>Der Bot ist ein Sprachmodell, das auf diesem Computer läuft, der Chat bleibt also hier. Er sieht nur den jüngsten Teil eines langen Chats und kann sich mit großer Überzeugung irren: Prüfen Sie alles, was wichtig ist.</translation>
    </message>
    <message>
        <source>Starter prompt: {prompt}</source>
        <translation>Vorschlag zum Start: {prompt}</translation>
    </message>
    <message>
        <source>Hi! How has your day been?</source>
        <translation>Hallo! Wie war Ihr Tag bisher?</translation>
    </message>
    <message>
        <source>What do you like to do at the weekend?</source>
        <translation>Was machen Sie am Wochenende gern?</translation>
    </message>
    <message>
        <source>I just got a puppy. Any ideas for a name?</source>
        <translation>Ich habe gerade einen Welpen bekommen. Haben Sie eine Idee für einen Namen?</translation>
    </message>
    <message>
        <source>What is the best book you have read lately?</source>
        <translation>Was ist das beste Buch, das Sie in letzter Zeit gelesen haben?</translation>
    </message>
    <message>
        <source>Explain how a rainbow forms, in a few sentences.</source>
        <translation>Erklären Sie in wenigen Sätzen, wie ein Regenbogen entsteht.</translation>
    </message>
    <message>
        <source>Give me three ideas for a quick dinner tonight.</source>
        <translation>Geben Sie mir drei Ideen für ein schnelles Abendessen heute.</translation>
    </message>
    <message>
        <source>Help me write a short, friendly note to a neighbour.</source>
        <translation>Helfen Sie mir, eine kurze, freundliche Nachricht an einen Nachbarn zu schreiben.</translation>
    </message>
    <message>
        <source>What should I ask before adopting a dog?</source>
        <translation>Was sollte ich fragen, bevor ich einen Hund adoptiere?</translation>
    </message>
</context>
<context>
    <name>Zoom</name>
    <message>
        <source>Zoom &amp;In</source>
        <translation>&amp;Vergrößern</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>Ver&amp;kleinern</translation>
    </message>
    <message>
        <source>&amp;Actual Size</source>
        <translation>&amp;Originalgröße</translation>
    </message>
</context>
<context>
    <name>human_size</name>
    <message>
        <source>{count} bytes</source>
        <translation>{count} Bytes</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Confab cannot use the data folder {folder}: {error}</source>
        <translation>Confab kann den Datenordner {folder} nicht verwenden: {error}</translation>
    </message>
</context>
</TS>