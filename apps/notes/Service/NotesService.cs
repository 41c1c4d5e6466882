using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using Kernel.Net.App;
using Kernel.Net.Http;

namespace Notes
{
    /// <summary>
    /// A small JSON API over an in-memory store, to show what a service on Summoner looks like:
    /// <c>GET /notes</c> lists them, <c>POST /notes</c> with <c>{"text": "..."}</c> adds one
    /// (201 and its Location), <c>GET /notes/{id}</c> and <c>DELETE /notes/{id}</c> read and remove
    /// one. Errors are JSON too: <c>{"error": "..."}</c> with 400, 404 or 503. Settings: <c>port</c>
    /// (default 80), <c>max_notes</c> (default 1000; a POST beyond it gets 503). The store lives
    /// as long as the guest: a reaped guest forgets its notes, which is what an in-memory store is for.
    /// </summary>
    public sealed class NotesService
    {
        private readonly List<Note> _notes = new List<Note>();
        private readonly int _capacity;
        private int _nextId = 1;

        private NotesService(HttpServer server, int capacity)
        {
            Server = server;
            _capacity = capacity;
        }

        public HttpServer Server { get; }

        public int Count => _notes.Count;

        public static NotesService Start(IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            ushort port = (ushort)Number(host, "port", 80, 1, 65535);
            int capacity = Number(host, "max_notes", 1000, 1, 1_000_000);
            var service = new NotesService(new HttpServer(host, HttpServerOptions.FromSettings(host)), capacity);
            service.Server
                .MapGet("/notes", service.List)
                .MapPost("/notes", service.Add)
                .MapGet("/notes/{id}", service.Get)
                .Map("DELETE", "/notes/{id}", service.Delete)
                .MapFallback(NotFound);
            service.Server.Listen(port);
            return service;
        }

        private ValueTask List(HttpRequest request, HttpResponse response)
        {
            var json = new StringBuilder("{\"notes\":[");
            for (int i = 0; i < _notes.Count; i++)
            {
                if (i > 0) json.Append(',');
                _notes[i].WriteTo(json);
            }
            json.Append("]}\n");
            return Reply(response, 200, json);
        }

        private ValueTask Add(HttpRequest request, HttpResponse response)
        {
            string? text = Json.ReadStringMember(request.Body.Span, "text", out string? error);
            if (text is null) return Error(response, 400, error ?? "bad request");
            if (_notes.Count >= _capacity) return Error(response, 503, "the store is full (max_notes=" + _capacity.ToString() + "): delete a note first");
            var note = new Note(_nextId++, text);
            _notes.Add(note);
            response.AddHeader("Location", "/notes/" + note.Id.ToString());
            var json = new StringBuilder();
            note.WriteTo(json);
            json.Append('\n');
            return Reply(response, 201, json);
        }

        private ValueTask Get(HttpRequest request, HttpResponse response)
        {
            int index = Find(request.RouteValue("id"));
            if (index < 0) return Error(response, 404, "no note " + request.RouteValue("id"));
            var json = new StringBuilder();
            _notes[index].WriteTo(json);
            json.Append('\n');
            return Reply(response, 200, json);
        }

        private ValueTask Delete(HttpRequest request, HttpResponse response)
        {
            int index = Find(request.RouteValue("id"));
            if (index < 0) return Error(response, 404, "no note " + request.RouteValue("id"));
            _notes.RemoveAt(index);
            response.Status = 204;
            return default;
        }

        private static ValueTask NotFound(HttpRequest request, HttpResponse response) =>
            Error(response, 404, "this service serves GET and POST /notes, GET and DELETE /notes/{id}");

        private int Find(string id)
        {
            if (!int.TryParse(id, out int wanted)) return -1;
            for (int i = 0; i < _notes.Count; i++)
                if (_notes[i].Id == wanted) return i;
            return -1;
        }

        private static ValueTask Error(HttpResponse response, int status, string message)
        {
            var json = new StringBuilder("{\"error\":");
            Json.WriteString(json, message);
            json.Append("}\n");
            return Reply(response, status, json);
        }

        private static ValueTask Reply(HttpResponse response, int status, StringBuilder json)
        {
            response.Status = status;
            response.AddHeader("Content-Type", "application/json");
            response.Write(Encoding.UTF8.GetBytes(json.ToString()));
            return default;
        }

        private static int Number(IServiceHost host, string key, int fallback, int min, int max)
        {
            string? text = host.Setting(key);
            if (text is null) return fallback;
            if (!int.TryParse(text, out int value) || value < min || value > max)
                throw new ArgumentException(key + "=" + text + " is not a number from " + min.ToString() + " to " + max.ToString());
            return value;
        }

        private sealed class Note
        {
            public Note(int id, string text)
            {
                Id = id;
                Text = text;
            }

            public int Id { get; }

            public string Text { get; }

            public void WriteTo(StringBuilder json)
            {
                json.Append("{\"id\":");
                json.Append(Id);
                json.Append(",\"text\":");
                Json.WriteString(json, Text);
                json.Append('}');
            }
        }
    }
}
