module example.com/otpgate-verify

go 1.19
