"""The pytest plugin's parts beside its hooks and fixtures (`mockminimax.pytest_plugin`):
the network guard, the failure report and the fast sleep. None imports httpx, respx or Faker.
"""
