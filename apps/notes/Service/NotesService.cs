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
    /// one. Errors are JSON too: <c>{"error": "..."}</c> with 400, 404, 502 or 503. Settings: <c>port</c>
    /// (default 80), <c>max_notes</c> (default 1000; a POST beyond it gets 503), <c>upstream</c>
    /// (HOST:PORT of an HTTP service: <c>GET /upstream</c> fetches its <c>/</c> and answers with its
    /// status and the start of its body, the outbound half of what a service on Summoner does;
    /// under Summoner the service's <c>egress</c> must list it). The store lives
    /// as long as the guest: a reaped guest forgets its notes, which is what an in-memory store is for.
    /// </summary>
    public sealed class NotesService
    {
        private const int UpstreamBodyLimit = 512;
        private readonly List<Note> _notes = new List<Note>();
        private readonly int _capacity;
        private readonly IServiceHost _host;
        private readonly string? _upstream;
        private DnsResolver? _resolver;
        private int _nextId = 1;

        private NotesService(IServiceHost host, HttpServer server, int capacity, string? upstream)
        {
            _host = host;
            Server = server;
            _capacity = capacity;
            _upstream = upstream;
        }

        public HttpServer Server { get; }

        public int Count => _notes.Count;

        public static NotesService Start(IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            ushort port = (ushort)Number(host, "port", 80, 1, 65535);
            int capacity = Number(host, "max_notes", 1000, 1, 1_000_000);
            var service = new NotesService(host, new HttpServer(host, HttpServerOptions.FromSettings(host)), capacity, host.Setting("upstream"));
            service.Server
                .MapGet("/upstream", service.Upstream)
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

        /// <summary>GET /upstream: one HTTP/1.0 request to the upstream, its status and body (cut) in the answer; 502 with the reason when it fails.</summary>
        private async ValueTask Upstream(HttpRequest request, HttpResponse response)
        {
            if (_upstream is null) { await Error(response, 404, "no upstream: set upstream=HOST:PORT"); return; }
            int colon = _upstream.LastIndexOf(':');
            int port = colon <= 0 ? 0 : Digits(_upstream, colon + 1, _upstream.Length - colon - 1);
            if (port < 1 || port > 65535)
            {
                await Error(response, 502, "upstream=" + _upstream + " is not HOST:PORT");
                return;
            }
            string name = _upstream.Substring(0, colon);
            _resolver ??= DnsResolver.FromSettings(_host);
            ConnectResult connected = await _host.ConnectAsync(_resolver, name, (ushort)port);
            if (!connected.Succeeded) { await Error(response, 502, connected.Describe(_upstream)); return; }
            AsyncConnection c = connected.Connection!;
            await c.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\nHost: " + name + "\r\nConnection: close\r\n\r\n"));
            var buffer = new byte[8192];
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await c.ReadAsync(buffer.AsMemory(total));
                if (n == 0) break;
                total += n;
            }
            c.Close();
            string reply = Encoding.UTF8.GetString(buffer, 0, total);
            int status = reply.Length >= 12 && reply.StartsWith("HTTP/1.", StringComparison.Ordinal) ? Digits(reply, 9, 3) : 0;
            if (status == 0) { await Error(response, 502, "the upstream " + _upstream + " did not answer with HTTP"); return; }
            int bodyAt = reply.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            string body = bodyAt < 0 ? "" : reply.Substring(bodyAt + 4);
            if (body.Length > UpstreamBodyLimit) body = body.Substring(0, UpstreamBodyLimit);
            var json = new StringBuilder("{\"upstream\":");
            Json.WriteString(json, _upstream);
            json.Append(",\"status\":");
            json.Append(status);
            json.Append(",\"body\":");
            Json.WriteString(json, body);
            json.Append("}\n");
            await Reply(response, 200, json);
        }

        /// <summary>The number <paramref name="count"/> ASCII digits at <paramref name="start"/> spell, or 0 when they are not all digits (or too many).</summary>
        private static int Digits(string text, int start, int count)
        {
            if (count < 1 || count > 5) return 0;
            int value = 0;
            for (int i = start; i < start + count; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9') return 0;
                value = value * 10 + (c - '0');
            }
            return value;
        }

        private static ValueTask NotFound(HttpRequest request, HttpResponse response) =>
            Error(response, 404, "this service serves GET and POST /notes, GET and DELETE /notes/{id}, GET /upstream");

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
