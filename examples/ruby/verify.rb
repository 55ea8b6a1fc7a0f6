# Start a verification, read its code from otpgate's dev outbox, check it, print the status.
#
#   OTPGATE_URL=http://127.0.0.1:8080 OTPGATE_KEY=og_live_... ruby verify.rb
require 'json'
require 'net/http'
require 'securerandom'
require 'uri'

BASE = ENV.fetch('OTPGATE_URL', 'http://127.0.0.1:8080').chomp('/')
KEY = ENV.fetch('OTPGATE_KEY')
PHONE = ENV.fetch('PHONE', '+14155550123')

# One API call; an error answer is RFC 9457 problem+json with a stable `code`.
def call(method, path, body: nil, headers: {})
  uri = URI("#{BASE}#{path}")
  request = (method == :post ? Net::HTTP::Post : Net::HTTP::Get).new(uri)
  request['Authorization'] = "Bearer #{KEY}"
  headers.each { |name, value| request[name] = value }
  if body
    request['Content-Type'] = 'application/json'
    request.body = JSON.generate(body)
  end
  response = Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == 'https', read_timeout: 10) { |http| http.request(request) }
  data = JSON.parse(response.body)
  abort "#{method.upcase} #{path}: #{response.code} #{data['code']}: #{data['detail']}" if response.code.to_i >= 400
  data
end

# The dev outbox stands in for the person reading the SMS and typing the code.
def code_from_outbox(verification_id)
  100.times do
    query = URI.encode_www_form(to: PHONE, limit: 20)
    message = call(:get, "/v1/outbox?#{query}")['data'].find { |m| m['verification_id'] == verification_id }
    return message['body'][/\b(\d{4,10})\b/, 1] if message
    sleep 0.1
  end
  abort 'no SMS in the dev outbox'
end

# An Idempotency-Key makes a retry of this request safe: the same key never sends a second SMS.
verification = call(:post, '/v1/verifications', body: { to: PHONE }, headers: { 'Idempotency-Key' => SecureRandom.uuid })
puts "started #{verification['id']} (#{verification['status']})"
code = code_from_outbox(verification['id'])
result = call(:post, '/v1/verifications/check', body: { id: verification['id'], code: code })
puts "status: #{result['status']}"
exit(result['valid'] ? 0 : 1)
