"""Market data: quotes, option chains, history and events behind one async interface.

`service.MarketData` is what the rest of wheeld uses; `factory.build_market_data` builds it for
the configured provider (`simulated`, `schwab`, `finnhub`).
"""
