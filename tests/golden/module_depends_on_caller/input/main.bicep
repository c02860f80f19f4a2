param access string
module prod 'modules/acr.bicep' = {
  name: 'prod'
  params: {
    name: 'contosoprod'
    sku: 'Premium'
    publicAccess: access
  }
}
