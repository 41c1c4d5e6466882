using Summoner.Dns.Tests.Support;

namespace Summoner.Dns.Tests;

/// <summary>Authoritative behaviour as real clients see it: dig (BIND 9) and kdig (Knot) against the running server on 127.0.0.1.</summary>
[Trait("Category", "unit")]
public sealed class DigBehaviourTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private int Port => fixture.Port;

    [Fact]
    public async Task An_a_record_is_answered_authoritatively_over_udp_by_dig()
    {
        var dig = await Clients.DigAsync(Port, "www.summoner.test", "A");
        Assert.Equal("NOERROR", dig.Status);
        Assert.Contains("aa", dig.Flags);
        Assert.DoesNotContain("ra", dig.Flags);
        Assert.Equal([new DigRecord("www.summoner.test.", 300, "A", "127.0.0.10")], dig.Answer);
        Assert.Equal(1232, dig.EdnsUdpSize);
    }

    [Fact]
    public async Task Several_queries_share_one_tcp_connection_with_kdig()
    {
        string output = await ExternalTool.RunAsync("kdig",
            ["@127.0.0.1", "-p", Port.ToString(), "+tcp", "+keepopen", "+time=10", "+retry=0",
             "www.summoner.test", "AAAA", "txt.summoner.test", "TXT", "hello.summoner.test", "A"]);
        var answers = DigOutput.ParseAll(output);
        Assert.Equal(3, answers.Count);
        Assert.All(answers, a => Assert.Equal("NOERROR", a.Status));
        Assert.Equal("fd00::10", Assert.Single(answers[0].Answer).Data);
        Assert.Equal("\"hello from summoner\"", Assert.Single(answers[1].Answer).Data);
        Assert.Equal("127.0.0.42", Assert.Single(answers[2].Answer).Data);
        Assert.Contains("(TCP)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task An_unknown_name_is_nxdomain_with_the_soa_in_authority(string client)
    {
        var answer = await Ask(client, "nothing-here.summoner.test", "A");
        Assert.Equal("NXDOMAIN", answer.Status);
        Assert.Contains("aa", answer.Flags);
        Assert.Empty(answer.Answer);
        var soa = Assert.Single(answer.Authority);
        Assert.Equal(("summoner.test.", "SOA", 5), (soa.Name, soa.Type, soa.Ttl)); // min(SOA TTL, MINIMUM), RFC 2308
        Assert.StartsWith("ns1.summoner.test. hostmaster.summoner.test. 2026112201", soa.Data, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task An_existing_name_without_the_type_is_nodata_with_the_soa(string client)
    {
        var answer = await Ask(client, "www.summoner.test", "TXT");
        Assert.Equal("NOERROR", answer.Status);
        Assert.Contains("aa", answer.Flags);
        Assert.Empty(answer.Answer);
        Assert.Equal("SOA", Assert.Single(answer.Authority).Type);
    }

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task A_name_outside_our_zones_is_refused(string client)
    {
        var answer = await Ask(client, "www.example.org", "A");
        Assert.Equal("REFUSED", answer.Status);
        Assert.DoesNotContain("aa", answer.Flags);
        Assert.Empty(answer.Answer);
    }

    [Fact]
    public async Task A_query_without_a_question_is_formerr()
    {
        var dig = DigOutput.Parse(await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", Port.ToString(), "+header-only", "+time=10", "+tries=1"]));
        Assert.Equal("FORMERR", dig.Status);
        Assert.Equal(1232, dig.EdnsUdpSize);
    }

    [Fact]
    public async Task An_unknown_opcode_is_notimp()
    {
        var dig = await Clients.DigAsync(Port, "+opcode=notify", "www.summoner.test");
        Assert.Equal("NOTIMP", dig.Status);
    }

    [Theory]
    [InlineData("dig", "+edns=1", "+noednsneg")]
    [InlineData("kdig", "+edns=1", "+nsid")]
    public async Task Edns_version_above_zero_is_badvers_with_our_opt(string client, string version, string extra)
    {
        var answer = await Ask(client, version, extra, "www.summoner.test", "A");
        Assert.Contains("BADVERS", answer.Raw, StringComparison.Ordinal);
        Assert.Empty(answer.Answer);
        Assert.Equal(1232, answer.EdnsUdpSize);
    }

    [Fact]
    public async Task Unknown_edns_options_are_ignored()
    {
        var dig = await Clients.DigAsync(Port, "+ednsopt=65001:abcd", "+cookie", "www.summoner.test", "A");
        Assert.Equal("NOERROR", dig.Status);
        Assert.Single(dig.Answer);
    }

    [Fact]
    public async Task The_requesters_udp_size_decides_truncation()
    {
        // ~900 bytes of TXT: over 512, under 1232.
        var small = await Clients.DigAsync(Port, "+bufsize=512", "+ignore", "medium.summoner.test", "TXT");
        Assert.Contains("tc", small.Flags);
        Assert.Empty(small.Answer);
        var noEdns = await Clients.DigAsync(Port, "+noedns", "+ignore", "medium.summoner.test", "TXT");
        Assert.Contains("tc", noEdns.Flags);
        var fits = await Clients.DigAsync(Port, "+bufsize=1232", "+ignore", "medium.summoner.test", "TXT");
        Assert.DoesNotContain("tc", fits.Flags);
        Assert.Equal(TestZone.MediumTxtCount, fits.Answer.Count);
        // Above our own maximum the requester's 4096 is capped at 1232: still fits.
        var large = await Clients.KdigAsync(Port, "+bufsize=4096", "+notcp", "medium.summoner.test", "TXT");
        Assert.Equal(TestZone.MediumTxtCount, large.Answer.Count);
    }

    [Fact]
    public async Task A_requester_udp_size_below_512_counts_as_512()
    {
        // The apex NS answer with glue is ~150 bytes: more than the 100 asked for, well within 512.
        var dig = await Clients.DigAsync(Port, "+bufsize=100", "+ignore", "summoner.test", "NS");
        Assert.DoesNotContain("tc", dig.Flags);
        Assert.Equal(2, dig.Answer.Count);
    }

    [Fact]
    public async Task A_truncated_answer_is_complete_over_tcp_on_the_same_port()
    {
        var viaUdp = await Clients.DigAsync(Port, "+ignore", "big.summoner.test", "TXT");
        Assert.Contains("tc", viaUdp.Flags);
        // dig retries over TCP itself when it sees TC; kdig is told to use TCP.
        var dig = await Clients.DigAsync(Port, "big.summoner.test", "TXT");
        Assert.Equal(30, dig.Answer.Count);
        Assert.Contains("(TCP)", dig.Raw, StringComparison.Ordinal);
        var kdig = await Clients.KdigAsync(Port, "+tcp", "big.summoner.test", "TXT");
        Assert.Equal(30, kdig.Answer.Count);
        Assert.DoesNotContain("tc", kdig.Flags);
    }

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task The_apex_has_soa_and_ns_with_glue_for_in_zone_servers(string client)
    {
        var soa = await Ask(client, "summoner.test", "SOA");
        Assert.Equal("SOA", Assert.Single(soa.Answer).Type);
        Assert.Contains("aa", soa.Flags);
        var ns = await Ask(client, "summoner.test", "NS");
        Assert.Equal(["ns1.summoner.test.", "ns2.elsewhere.example."], ns.Answer.Select(r => r.Data).Order().ToArray());
        Assert.Contains(ns.Additional, r => r is { Name: "ns1.summoner.test.", Type: "A", Data: "127.0.0.1" });
        Assert.Contains(ns.Additional, r => r is { Name: "ns1.summoner.test.", Type: "AAAA", Data: "::1" });
    }

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task Any_is_answered_with_one_rrset(string client)
    {
        var any = await Ask(client, "www.summoner.test", "ANY");
        Assert.Equal("NOERROR", any.Status);
        Assert.Single(any.Answer.Select(r => r.Type).Distinct());
        var apex = await Ask(client, "summoner.test", "ANY");
        Assert.Single(apex.Answer.Select(r => r.Type).Distinct());
    }

    [Fact]
    public async Task A_cname_inside_the_zone_is_followed()
    {
        var dig = await Clients.DigAsync(Port, "alias.summoner.test", "A");
        Assert.Equal(
            [new DigRecord("alias.summoner.test.", 300, "CNAME", "www.summoner.test."), new DigRecord("www.summoner.test.", 300, "A", "127.0.0.10")],
            dig.Answer);
        var away = await Clients.DigAsync(Port, "away.summoner.test", "A");
        Assert.Equal("NOERROR", away.Status);
        Assert.Equal("www.elsewhere.example.", Assert.Single(away.Answer).Data);
    }

    [Theory]
    [InlineData("dig")]
    [InlineData("kdig")]
    public async Task A_service_name_is_answered_from_the_answer_source(string client)
    {
        var a = await Ask(client, "hello.summoner.test", "A");
        Assert.Equal([new DigRecord("hello.summoner.test.", 5, "A", "127.0.0.42")], a.Answer);
        Assert.Contains("aa", a.Flags);
        var aaaa = await Ask(client, "hello.summoner.test", "AAAA");
        Assert.Equal("fd00::42", Assert.Single(aaaa.Answer).Data);
        var txt = await Ask(client, "hello.summoner.test", "TXT");
        Assert.Equal("NOERROR", txt.Status);
        Assert.Empty(txt.Answer);
    }

    [Fact]
    public async Task A_failing_service_is_servfail()
    {
        var dig = await Clients.DigAsync(Port, "broken.summoner.test", "A");
        Assert.Equal("SERVFAIL", dig.Status);
    }

    [Fact]
    public async Task A_service_past_its_deadline_is_servfail_not_silence()
    {
        var started = DateTime.UtcNow;
        var kdig = await Clients.KdigAsync(Port, "stuck.summoner.test", "A");
        Assert.Equal("SERVFAIL", kdig.Status);
        Assert.True(DateTime.UtcNow - started >= ServerFixture.Deadline - TimeSpan.FromMilliseconds(200));
        Assert.True(fixture.Server.Counters.Snapshot().ServiceDeadlineExceeded >= 1);
    }

    private Task<DigOutput> Ask(string client, params string[] query) =>
        client == "dig" ? Clients.DigAsync(Port, query) : Clients.KdigAsync(Port, query);
}
