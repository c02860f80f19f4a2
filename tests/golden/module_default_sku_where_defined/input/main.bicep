module prod 'modules/acr.bicep' = {
  name: 'prod'
  params: {
    name: 'contosoprod'
    sku: 'Premium'
  }
}

module dev 'modules/acr.bicep' = {
  name: 'dev'
  params: {
    name: 'contosodev'
  }
}
