// Start a verification, read its code from otpgate's dev outbox, check it, print the status.
//
//   Mono:  mcs -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll Verify.cs && OTPGATE_KEY=og_live_... mono Verify.exe
//   .NET:  put this file in a console project (dotnet new console) and `dotnet run`.
// HttpClient and DataContractJsonSerializer exist on both; on .NET, System.Text.Json is the usual choice.
using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

[DataContract] class Verification
{
    [DataMember(Name = "id")] public string Id;
    [DataMember(Name = "status")] public string Status;
    [DataMember(Name = "valid")] public bool Valid;
}

[DataContract] class OutboxMessage
{
    [DataMember(Name = "verification_id")] public string VerificationId;
    [DataMember(Name = "body")] public string Body;
}

[DataContract] class Outbox
{
    [DataMember(Name = "data")] public OutboxMessage[] Data;
}

/// <summary>The RFC 9457 body of every error answer; branch on Code.</summary>
[DataContract] class Problem
{
    [DataMember(Name = "code")] public string Code;
    [DataMember(Name = "detail")] public string Detail;
}

static class Verify
{
    static readonly string Base = (Environment.GetEnvironmentVariable("OTPGATE_URL") ?? "http://127.0.0.1:8080").TrimEnd('/');
    static readonly string Key = Environment.GetEnvironmentVariable("OTPGATE_KEY") ?? throw new InvalidOperationException("set OTPGATE_KEY");
    static readonly string Phone = Environment.GetEnvironmentVariable("PHONE") ?? "+14155550123";
    static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

    static T Parse<T>(string json)
    {
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            return (T)new DataContractJsonSerializer(typeof(T)).ReadObject(stream);
    }

    static string Json(object value)
    {
        using (var stream = new MemoryStream())
        {
            new DataContractJsonSerializer(value.GetType()).WriteObject(stream, value);
            return Encoding.UTF8.GetString(stream.ToArray());
        }
    }

    [DataContract] class StartBody { [DataMember(Name = "to")] public string To; }
    [DataContract] class CheckBody { [DataMember(Name = "id")] public string Id; [DataMember(Name = "code")] public string Code; }

    /// <summary>One API call; an error answer is RFC 9457 problem+json with a stable code.</summary>
    static T Call<T>(HttpMethod method, string path, object body = null, string idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, Base + path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Key);
        if (idempotencyKey != null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body != null) request.Content = new StringContent(Json(body), Encoding.UTF8, "application/json");
        var response = Http.SendAsync(request).GetAwaiter().GetResult();
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if ((int)response.StatusCode >= 400)
        {
            var problem = Parse<Problem>(text);
            Console.Error.WriteLine($"{method} {path}: {(int)response.StatusCode} {problem.Code}: {problem.Detail}");
            Environment.Exit(1);
        }
        return Parse<T>(text);
    }

    /// <summary>The dev outbox stands in for the person reading the SMS and typing the code.</summary>
    static string CodeFromOutbox(string verificationId)
    {
        for (var i = 0; i < 100; i++)
        {
            var outbox = Call<Outbox>(HttpMethod.Get, "/v1/outbox?limit=20&to=" + Uri.EscapeDataString(Phone));
            var message = outbox.Data.FirstOrDefault(m => m.VerificationId == verificationId);
            if (message != null) return Regex.Match(message.Body, @"\b(\d{4,10})\b").Groups[1].Value;
            Thread.Sleep(100);
        }
        Console.Error.WriteLine("no SMS in the dev outbox");
        Environment.Exit(1);
        return null;
    }

    static int Main()
    {
        // An Idempotency-Key makes a retry of this request safe: the same key never sends a second SMS.
        var started = Call<Verification>(HttpMethod.Post, "/v1/verifications", new StartBody { To = Phone }, Guid.NewGuid().ToString());
        Console.WriteLine($"started {started.Id} ({started.Status})");
        var code = CodeFromOutbox(started.Id);
        var result = Call<Verification>(HttpMethod.Post, "/v1/verifications/check", new CheckBody { Id = started.Id, Code = code });
        Console.WriteLine($"status: {result.Status}");
        return result.Valid ? 0 : 1;
    }
}
