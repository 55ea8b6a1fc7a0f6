<?php
// Start a verification, read its code from otpgate's dev outbox, check it, print the status.
//
//   OTPGATE_URL=http://127.0.0.1:8080 OTPGATE_KEY=og_live_... php verify.php
// Plain PHP (json and the http stream wrapper); with Composer, Guzzle does the same.

$base = rtrim(getenv('OTPGATE_URL') ?: 'http://127.0.0.1:8080', '/');
$key = getenv('OTPGATE_KEY') ?: exit("set OTPGATE_KEY\n");
$phone = getenv('PHONE') ?: '+14155550123';

/** One API call; an error answer is RFC 9457 problem+json with a stable `code`. */
function call(string $method, string $path, ?array $body = null, array $headers = []): array
{
    global $base, $key;
    $lines = ["Authorization: Bearer $key"];
    if ($body !== null) $lines[] = 'Content-Type: application/json';
    foreach ($headers as $name => $value) $lines[] = "$name: $value";
    $context = stream_context_create(['http' => [
        'method' => $method,
        'header' => implode("\r\n", $lines),
        'content' => $body === null ? '' : json_encode($body),
        'ignore_errors' => true, // read the problem body of a 4xx/5xx too
        'timeout' => 10,
    ]]);
    $text = file_get_contents($base . $path, false, $context);
    if ($text === false) {
        fwrite(STDERR, "$method $path: no answer\n");
        exit(1);
    }
    preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0], $status);
    $data = json_decode($text, true);
    if ((int) $status[1] >= 400) {
        fwrite(STDERR, "$method $path: {$status[1]} {$data['code']}: {$data['detail']}\n");
        exit(1);
    }
    return $data;
}

/** The dev outbox stands in for the person reading the SMS and typing the code. */
function code_from_outbox(string $verificationId): string
{
    global $phone;
    for ($i = 0; $i < 100; $i++) {
        foreach (call('GET', '/v1/outbox?' . http_build_query(['to' => $phone, 'limit' => 20]))['data'] as $message) {
            if ($message['verification_id'] === $verificationId && preg_match('/\b(\d{4,10})\b/', $message['body'], $m)) return $m[1];
        }
        usleep(100000);
    }
    fwrite(STDERR, "no SMS in the dev outbox\n");
    exit(1);
}

// An Idempotency-Key makes a retry of this request safe: the same key never sends a second SMS.
$verification = call('POST', '/v1/verifications', ['to' => $phone], ['Idempotency-Key' => bin2hex(random_bytes(16))]);
echo "started {$verification['id']} ({$verification['status']})\n";
$code = code_from_outbox($verification['id']);
$result = call('POST', '/v1/verifications/check', ['id' => $verification['id'], 'code' => $code]);
echo "status: {$result['status']}\n";
exit($result['valid'] ? 0 : 1);
