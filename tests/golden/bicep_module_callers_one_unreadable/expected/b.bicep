// passes a value acr-fix cannot read
param allowedSources array = []
var action = length(allowedSources) == 0 ? 'Allow' : 'Deny'

module acr 'modules/open.bicep' = {
  name: 'acr-b'
  params: {
    name: 'acrb${uniqueString(resourceGroup().id)}'
    networkDefaultAction: action
  }
}
